// Payment methods in the console, in Chromium: an agent sees masked data only; without the
// reveal permission a reveal is refused and the refusal is in the audit table; with it (granted
// by a security admin), after a step-up and with a reason, the number is shown once.
import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import { code, createUser, firstSignIn, main, openHydrated, sql, tokenize } from "./support";

const PAN = "4242424242424242";

test("an agent sees masked data only", async ({ page, request }) => {
  const customer = `cus_e2e_${randomBytes(4).toString("hex")}`;
  const id = await tokenize(request, customer, PAN);
  const agent = createUser(main, "support_agent");
  await firstSignIn(page, main, agent);

  await page.getByLabel("Search payment methods").fill(customer);
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(new RegExp(`/search\\?q=${customer}`));
  const row = page.getByRole("row", { name: /424242 •••• 4242/ });
  await expect(row).toBeVisible();
  await row.getByRole("link").first().click();
  await expect(page).toHaveURL(new RegExp(`/payment-methods/${id}`));
  await expect(page.getByText("424242 •••• 4242").first()).toBeVisible();
  await expect(page.getByRole("heading", { name: "History" })).toBeVisible();
  // No reveal offered to an agent without the grant, and no full number anywhere.
  await expect(page.getByRole("button", { name: "Reveal number" })).toHaveCount(0);
  expect(await page.content()).not.toContain(PAN);

  // A full number typed into search is refused and never reaches the URL.
  await page.goto(`${main.url}/`);
  await page.getByLabel("Search payment methods").fill("4242 4242 4242 4242");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByText("Full card numbers are not accepted")).toBeVisible();
  expect(page.url()).not.toContain("4242");
});

test("an agent without the reveal permission is refused, and the refusal is audited", async ({
  page,
  request,
}) => {
  const id = await tokenize(request, `cus_e2e_${randomBytes(4).toString("hex")}`, PAN);
  const agent = createUser(main, "support_agent");
  await firstSignIn(page, main, agent);
  await openHydrated(page, `${main.url}/payment-methods/${id}`);
  await expect(page.getByRole("button", { name: "Reveal number" })).toHaveCount(0);
  // Calling the reveal server function directly with the agent's session is refused.
  const refused = await page.request.post(`${main.url}/console/api/reveal`, {
    form: { id, reason: "curious", code: await code(agent) },
  });
  expect(refused.status()).toBe(403);
  expect(await refused.text()).not.toContain(PAN);
  const userId = sql(main, `SELECT id FROM staff_users WHERE email = '${agent.email}'`);
  const denied = sql(
    main,
    `SELECT COUNT(*) FROM audit_events WHERE action = 'payment_method.reveal' AND outcome = 'denied' AND actor_id = '${userId}' AND resource_id = '${id}'`,
  );
  expect(denied).toBe("1");
});

test("an agent with the reveal grant reveals after a step-up and a reason", async ({
  browser,
  request,
}) => {
  const id = await tokenize(request, `cus_e2e_${randomBytes(4).toString("hex")}`, PAN);
  const agent = createUser(main, "support_agent");
  const admin = createUser(main, "security_admin");

  const agentPage = await (await browser.newContext()).newPage();
  await firstSignIn(agentPage, main, agent);
  const agentId = sql(main, `SELECT id FROM staff_users WHERE email = '${agent.email}'`);

  // A security admin grants the reveal permission on purpose, confirming with a fresh code.
  const adminPage = await (await browser.newContext()).newPage();
  await firstSignIn(adminPage, main, admin);
  await adminPage.getByRole("link", { name: "Users" }).first().click();
  await adminPage.getByRole("link", { name: agent.email }).click();
  const access = adminPage.getByRole("region", { name: "Access" });
  await access.getByLabel("May reveal full card numbers").check();
  await access.getByLabel("Authentication code").fill(await code(admin));
  await access.getByRole("button", { name: "Save access" }).click();
  await expect(access.getByText("Access saved.")).toBeVisible();

  // The agent reveals: a reason and a fresh code.
  await openHydrated(agentPage, `${main.url}/payment-methods/${id}`);
  const panel = agentPage.getByRole("region", { name: "Reveal" });
  await panel.getByLabel("Reason or ticket number").fill("ticket 4711: chargeback");
  await panel.getByLabel("Authentication code").fill(await code(agent));
  const answer = agentPage.waitForResponse((r) => r.url().includes("/console/api/reveal"));
  await panel.getByRole("button", { name: "Reveal number" }).click();
  const response = await answer;
  expect(response.headers()["cache-control"]).toBe("no-store");
  await expect(agentPage.getByTestId("revealed")).toContainText(PAN);

  // Hidden again on navigation.
  await agentPage.getByRole("link", { name: "Search" }).first().click();
  await agentPage.goBack();
  await expect(agentPage.getByRole("button", { name: "Reveal number" })).toBeVisible();
  await expect(agentPage.getByTestId("revealed")).toHaveCount(0);

  const reason = sql(
    main,
    `SELECT reason FROM audit_events WHERE action = 'payment_method.reveal' AND outcome = 'success' AND actor_id = '${agentId}' AND resource_id = '${id}'`,
  );
  expect(reason).toBe("ticket 4711: chargeback");
});

test("an agent edits a method's details with a reason, and a card number is refused", async ({
  page,
  request,
}) => {
  const customer = `cus_edit_${randomBytes(4).toString("hex")}`;
  const id = await tokenize(request, customer, PAN);
  const agent = createUser(main, "support_agent");
  await firstSignIn(page, main, agent);
  await openHydrated(page, `${main.url}/payment-methods/${id}`);
  const form = page.getByRole("region", { name: "Edit details" });

  // A card number in the nickname is refused on that field; nothing is saved.
  await form.getByLabel("Nickname").fill("4242 4242 4242 4242");
  await form.getByRole("button", { name: "Save details" }).click();
  await expect(form.getByText("looks like a card number")).toBeVisible();
  expect(sql(main, `SELECT COUNT(*) FROM audit_events WHERE action = 'payment_method.update'
    AND resource_id = '${id}'`)).toBe("0");

  await form.getByLabel("Nickname").fill("Work card");
  await form.getByLabel("Billing name").fill("Ada Lovelace");
  await form.getByLabel("Why").selectOption("customer_request");
  await form.getByRole("button", { name: "Save details" }).click();
  await expect(page.getByText("Details saved.")).toBeVisible();
  await expect(page.locator("dd", { hasText: "Work card" })).toBeVisible();
  await expect(page.getByRole("cell", { name: "Payment method update" })).toBeVisible();
  expect(
    sql(
      main,
      `SELECT reason || ' ' || json_extract(detail, '$.after.metadata.nickname') FROM audit_events WHERE action = 'payment_method.update' AND resource_id = '${id}'`,
    ),
  ).toBe("customer_request Work card");
});
