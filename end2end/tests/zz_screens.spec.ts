import { test, expect } from "@playwright/test";
import { code, createUser, firstSignIn, main, openHydrated, sql } from "./support";

test("screens", async ({ browser }) => {
  test.setTimeout(120_000);
  const agent = createUser(main, "support_agent");
  const admin = createUser(main, "security_admin");
  for (const [name, viewport] of [["laptop", { width: 1366, height: 900 }], ["phone", { width: 390, height: 844 }]] as const) {
    const ctx = await browser.newContext({ viewport });
    const page = await ctx.newPage();
    await openHydrated(page, `${main.url}/login`);
    await page.screenshot({ path: `/tmp/shot-${name}-login.png`, fullPage: true });
    if (name === "laptop") {
      await page.getByLabel("Email").fill(admin.email);
      await page.getByLabel("Password", { exact: true }).fill(admin.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
      await page.screenshot({ path: `/tmp/shot-${name}-password.png`, fullPage: true });
      const chosen = "chosen-password-2026";
      await page.getByLabel("Current password").fill(admin.password);
      await page.getByLabel("New password", { exact: true }).fill(chosen);
      await page.getByLabel("Confirm new password").fill(chosen);
      await page.getByRole("button", { name: "Change password" }).click();
      await expect(page.getByRole("heading", { name: "Set up two-step verification" })).toBeVisible();
      await page.screenshot({ path: `/tmp/shot-${name}-enrol.png`, fullPage: true });
      await ctx.close();
      continue;
    }
    await ctx.close();
  }
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await ctx.newPage();
  await firstSignIn(page, main, agent);
  await page.screenshot({ path: `/tmp/shot-dashboard.png`, fullPage: true });
  const t0 = Date.now();
  await page.goto(`${main.url}/customers/cus_demo_big`);
  console.log("customer page load ms", Date.now() - t0);
  await page.screenshot({ path: `/tmp/shot-customer.png`, fullPage: false });
  await page.goto(`${main.url}/search?q=${encodeURIComponent("424242…4242")}`);
  await page.screenshot({ path: `/tmp/shot-search.png`, fullPage: true });
  const id = sql(main, "SELECT id FROM payment_methods WHERE customer='cus_demo_alice' AND type='card' LIMIT 1");
  await openHydrated(page, `${main.url}/payment-methods/${id}`);
  await page.screenshot({ path: `/tmp/shot-method.png`, fullPage: true });
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const p2 = await phone.newPage();
  await firstSignIn(p2, main, createUser(main, "support_agent"));
  await openHydrated(p2, `${main.url}/customers/cus_demo_alice`);
  await p2.screenshot({ path: `/tmp/shot-phone-customer.png`, fullPage: true });
  void code;
});
