// Staff self-service in Chromium: a security admin resets a support agent's password (the
// one-time password is shown once, the agent's open session ends at its next request, the kept
// authenticator is still asked for, the reset is in the audit log as the admin's); and an agent
// who lost their authenticator signs in with a recovery code and sets up a new one.
import { expect, test } from "@playwright/test";
import { base32, code, createUser, firstSignIn, main, openHydrated, sql } from "./support";

test("a security admin resets an agent's password and the agent's open session ends", async ({
  browser,
  page,
}) => {
  const admin = createUser(main, "security_admin");
  await firstSignIn(page, main, admin);
  const agentContext = await browser.newContext();
  const agentPage = await agentContext.newPage();
  const agent = createUser(main, "support_agent");
  await firstSignIn(agentPage, main, agent);
  const agentId = sql(main, `SELECT id FROM staff_users WHERE email = '${agent.email}'`);

  await openHydrated(page, `${main.url}/admin/users/${agentId}`);
  const form = page.getByRole("region", { name: "Reset password" });
  await expect(form.getByLabel("Also reset two-step verification")).not.toBeChecked();
  await form.getByLabel("Authentication code").fill(await code(admin));
  await form.getByRole("button", { name: "Reset password" }).click();
  const issued = form.getByTestId("reset-password");
  await expect(issued).toBeVisible();
  const password = (await issued.innerText()).trim();
  expect(password).toHaveLength(19);
  await expect(page.getByText("Password change required")).toBeVisible();

  // The agent's session is over at its next request.
  await agentPage.reload();
  await expect(agentPage.getByRole("heading", { name: "Sign in to Coffer" })).toBeVisible();
  // The one-time password, then the authenticator the agent kept, then a new password.
  await agentPage.getByLabel("Email").fill(agent.email);
  await agentPage.getByLabel("Password", { exact: true }).fill(password);
  await agentPage.getByRole("button", { name: "Sign in" }).click();
  await expect(agentPage.getByRole("heading", { name: "Two-step verification" })).toBeVisible();
  await agentPage.getByLabel("Authentication code").fill(await code(agent));
  await agentPage.getByRole("button", { name: "Verify" }).click();
  await expect(agentPage.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
  const chosen = `after-reset-${Date.now()}-2026`;
  await agentPage.getByLabel("Current password").fill(password);
  await agentPage.getByLabel("New password", { exact: true }).fill(chosen);
  await agentPage.getByLabel("Confirm new password").fill(chosen);
  await agentPage.getByRole("button", { name: "Change password" }).click();
  await expect(agentPage.getByRole("heading", { level: 1, name: "Console" })).toBeVisible();
  await agentContext.close();

  const adminId = sql(main, `SELECT id FROM staff_users WHERE email = '${admin.email}'`);
  expect(
    sql(
      main,
      `SELECT actor_id || ' ' || json_extract(detail, '$.mfa_kept') FROM audit_events WHERE action = 'user.password_reset' AND resource_id = '${agentId}'`,
    ),
  ).toBe(`${adminId} 1`);
  expect(
    Number(
      sql(
        main,
        `SELECT COUNT(*) FROM audit_events WHERE action = 'staff.session_revoked' AND actor_id = '${agentId}'`,
      ),
    ),
  ).toBeGreaterThanOrEqual(1);
});

test("an agent who lost their authenticator signs in with a recovery code and replaces it", async ({
  page,
}) => {
  const agent = createUser(main, "support_agent");
  await firstSignIn(page, main, agent);
  // No offer after a normal sign-in.
  await expect(page.getByRole("heading", { name: "You signed in with a recovery code" })).toHaveCount(0);
  await page.getByRole("button", { name: "Sign out" }).click();

  await openHydrated(page, `${main.url}/login`);
  await page.getByLabel("Email").fill(agent.email);
  await page.getByLabel("Password", { exact: true }).fill(agent.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Two-step verification" })).toBeVisible();
  await page.getByLabel("Authentication code").fill(agent.recoveryCodes![0]);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("heading", { name: "You signed in with a recovery code" })).toBeVisible();
  await page.getByRole("button", { name: "Set up a new authenticator" }).click();

  await expect(page.getByRole("heading", { name: "Set up two-step verification" })).toBeVisible();
  agent.key = base32(await page.getByTestId("manual-key").innerText());
  agent.lastStep = 0;
  await page.getByLabel("Authentication code").fill(await code(agent));
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Console" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "You signed in with a recovery code" })).toHaveCount(0);
  const id = sql(main, `SELECT id FROM staff_users WHERE email = '${agent.email}'`);
  expect(
    sql(main, `SELECT COUNT(*) FROM audit_events WHERE action = 'staff.mfa_replace' AND actor_id = '${id}'`),
  ).toBe("1");
});
