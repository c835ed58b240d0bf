// The console without JavaScript, as each role: every page is plain server-rendered HTML that
// answers a real redirect, the page itself (200) or "not for your role" (403); signing in with
// plain form posts returns to the page asked for; a search and sign-out work as plain forms.
import { randomBytes } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import { PAGES, type Role, fillPage } from "./pages";
import { base32, code, createUser, main, sql, tokenize, type Account } from "./support";

/** Where each role's sign-in starts: a page of theirs that is not the console's home. */
const FIRST: Record<Role, string> = {
  support_agent: "/search?q=cus_nobody",
  compliance_officer: "/console/audit/review",
  security_admin: "/admin/users",
};

/** First sign-in by plain form posts, starting from `first` while signed out. */
async function firstSignInWithoutScript(page: Page, account: Account, first: string) {
  const response = await page.goto(`${main.url}${first}`);
  expect(response?.status()).toBe(200);
  expect(new URL(page.url()).pathname).toBe("/login");
  expect(new URL(page.url()).searchParams.get("next")).toBe(first);
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password", { exact: true }).fill(account.password);
  await page.getByRole("button", { name: "Sign in" }).click();

  await expect(page.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
  const chosen = `noscript-${Date.now()}-2026`;
  await page.getByLabel("Current password").fill(account.password);
  await page.getByLabel("New password", { exact: true }).fill(chosen);
  await page.getByLabel("Confirm new password").fill(chosen);
  await page.getByRole("button", { name: "Change password" }).click();
  account.password = chosen;

  await expect(page.getByRole("heading", { name: "Set up two-step verification" })).toBeVisible();
  account.key = base32(await page.getByTestId("manual-key").innerText());
  await page.getByLabel("Authentication code").fill(await code(account));
  await page.getByRole("button", { name: "Confirm" }).click();
  // Back where the sign-in started.
  await expect(page).toHaveURL(`${main.url}${first}`);
  // The enrolment page started one enrolment: the key shown is the key stored (a second start
  // during the same render would have replaced it and refused the code).
  const starts = sql(
    main,
    `SELECT COUNT(*) FROM audit_events a JOIN staff_users u ON u.id = a.actor_id WHERE u.email = '${account.email}' AND a.action = 'staff.mfa_enrolment_start'`,
  );
  expect(starts).toBe("1");
}

for (const role of ["support_agent", "compliance_officer", "security_admin"] as Role[]) {
  test(`every console page works without JavaScript for a ${role}`, async ({ browser, request }) => {
    test.setTimeout(90_000);
    const customer = `cus_noscript_${randomBytes(4).toString("hex")}`;
    const pm = await tokenize(request, customer, "4242424242424242");
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    const account = createUser(main, role);
    await firstSignInWithoutScript(page, account, FIRST[role]);
    const user = sql(main, `SELECT id FROM staff_users WHERE email = '${account.email}'`);
    const seq = sql(main, "SELECT MIN(seq) FROM audit_events WHERE seq IS NOT NULL");

    for (const { path, roles } of PAGES) {
      const url = fillPage(path, { customer, pm, user, seq });
      const response = await page.goto(`${main.url}${url}`);
      const allowed = roles.includes(role);
      expect(response?.status(), `${url} for ${role}`).toBe(allowed ? 200 : 403);
      // Still on the page asked for (no redirect to sign in), with one main heading.
      expect(page.url()).toBe(`${main.url}${url}`);
      await expect(page.locator("h1"), url).toHaveCount(1);
      const notForMe = page.getByRole("heading", { name: "Not available for your role" });
      if (allowed) {
        await expect(notForMe, url).toHaveCount(0);
      } else {
        await expect(notForMe, url).toBeVisible();
      }
    }

    if (role !== "security_admin") {
      // A search is a plain form post that redirects to its results: no wasm needed.
      await page.goto(`${main.url}/search`);
      await page.getByLabel("Search payment methods").fill(customer);
      await page.getByRole("button", { name: "Search" }).click();
      await expect(page).toHaveURL(new RegExp(`/search\\?q=${customer}`));
      await expect(page.getByRole("link", { name: /4242/ }).first()).toBeVisible();
    }

    // Signing out is a plain form post too; the pages send a signed-out browser to sign in.
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page.getByRole("heading", { name: "Sign in to Coffer" })).toBeVisible();
    const response = await page.goto(`${main.url}/console/expiry`);
    expect(new URL(response!.url()).pathname).toBe("/login");
    await context.close();
  });
}
