// Staff sign-in in Chromium: first sign-in with password change and TOTP enrolment (PCI DSS
// 8.3.5, 8.4.2), lockout after 10 failures (8.3.4), and the idle timeout (8.2.8).
import { expect, test } from "@playwright/test";
import { code, createUser, firstSignIn, idle, main, openHydrated, signIn, sql } from "./support";

test("first sign-in changes the issued password and enrols an authenticator", async ({ page }) => {
  const agent = createUser(main, "support_agent");
  await firstSignIn(page, main, agent);
  await expect(page.getByText(agent.email, { exact: true })).toBeVisible();

  // The authenticator now works for a normal sign-in; the old code cannot be replayed.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "Sign in to Coffer" })).toBeVisible();
  await signIn(page, main, agent);
  const id = sql(main, `SELECT id FROM staff_users WHERE email = '${agent.email}'`);
  const enrolled = sql(
    main,
    `SELECT COUNT(*) FROM audit_events WHERE action = 'staff.mfa_enrol' AND resource_id = '${id}'`,
  );
  expect(enrolled).toBe("1");
});

test("a signed-out visitor is sent to sign in, and pages work before the wasm loads", async ({
  browser,
}) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const response = await page.goto(`${main.url}/customers/cus_anyone`);
  expect(response?.url()).toMatch(/\/login\?next=%2Fcustomers%2Fcus_anyone$/);
  await expect(page.getByRole("heading", { name: "Sign in to Coffer" })).toBeVisible();
  // A plain HTML form post signs in too (no wasm): the next step is the password change.
  const agent = createUser(main, "support_agent");
  await page.getByLabel("Email").fill(agent.email);
  await page.getByLabel("Password", { exact: true }).fill(agent.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
  await context.close();
});

test("signing in returns to the page asked for", async ({ page }) => {
  const agent = createUser(main, "support_agent");
  await firstSignIn(page, main, agent);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "Sign in to Coffer" })).toBeVisible();

  await openHydrated(page, `${main.url}/console/expiry?within=30`);
  await expect(page).toHaveURL(/\/login\?next=%2Fconsole%2Fexpiry%3Fwithin%3D30$/);
  await page.getByLabel("Email").fill(agent.email);
  await page.getByLabel("Password", { exact: true }).fill(agent.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Two-step verification" })).toBeVisible();
  await page.getByLabel("Authentication code").fill(await code(agent));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Expiring cards" })).toBeVisible();
  await expect(page).toHaveURL(`${main.url}/console/expiry?within=30`);
});

test("ten wrong passwords lock the account for 30 minutes", async ({ page }) => {
  const agent = createUser(main, "support_agent");
  await openHydrated(page, `${main.url}/login`);
  for (let i = 0; i < 10; i++) {
    await page.getByLabel("Email").fill(agent.email);
    await page.getByLabel("Password", { exact: true }).fill(`wrong-password-${i}`);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert")).toContainText("wrong, or the account is locked");
  }
  // The right password now gets the same refusal.
  await page.getByLabel("Email").fill(agent.email);
  await page.getByLabel("Password", { exact: true }).fill(agent.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText("wrong, or the account is locked");
  await expect(page.getByRole("heading", { name: "Sign in to Coffer" })).toBeVisible();
  const minutes = Number(
    sql(
      main,
      `SELECT (locked_until - CAST(strftime('%s','now') AS INTEGER) * 1000) / 60000 FROM staff_users WHERE email = '${agent.email}'`,
    ),
  );
  expect(minutes).toBeGreaterThanOrEqual(29);
  expect(minutes).toBeLessThanOrEqual(30);
});

test("an idle session has to sign in again", async ({ page }) => {
  test.skip(!idle.url, "the idle-timeout server is not running");
  const agent = createUser(idle, "support_agent");
  await firstSignIn(page, idle, agent);
  // The idle server ends sessions after 3 s without a request (production: 15 minutes).
  await page.waitForTimeout(4_000);
  await page.getByLabel("Search payment methods").fill("cus_after_idle");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByRole("heading", { name: "Sign in to Coffer" })).toBeVisible();
  await expect(page.getByText("Your session ended after a period without activity")).toBeVisible();
  const id = sql(idle, `SELECT id FROM staff_users WHERE email = '${agent.email}'`);
  // Recorded (by each request that found the live session expired; two may race).
  const timeouts = sql(
    idle,
    `SELECT COUNT(*) FROM audit_events WHERE action = 'staff.session_timeout' AND actor_id = '${id}'`,
  );
  expect(Number(timeouts)).toBeGreaterThanOrEqual(1);
});
