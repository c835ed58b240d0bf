// The relay in Chromium: a security admin registers a connection in the console (its token is
// never shown again), a channel forwards a stored card through it, a support agent sees the
// forward in the method's history, and the admin changes the connection to require a use. No network leaves these machines, so the destination does not
// answer: the forward fails as unreachable, but it was audited before anything was sent.
import { expect, test } from "@playwright/test";
import { randomBytes } from "node:crypto";
import { code, createApiKey, createUser, firstSignIn, main, openHydrated, sql, tokenize } from "./support";

const PAN = "4242424242424242";
const TOKEN = "sk_test_e2e_relay_secret_value";

test("a connection registered in the console carries a forward that shows in the method's history", async ({
  page,
  browser,
  request,
}) => {
  const admin = createUser(main, "security_admin");
  await firstSignIn(page, main, admin);
  await openHydrated(page, `${main.url}/admin/connections`);
  const form = page.getByRole("region", { name: "Register a connection" });
  const name = `Stripe e2e ${randomBytes(3).toString("hex")}`;
  await form.getByLabel("Name", { exact: true }).fill(name);
  await form.getByLabel("Base URL").fill("https://api.stripe.com");
  await form.getByLabel("Routes").fill("POST /v1/payment_methods");
  await form.getByLabel("Token", { exact: true }).fill(TOKEN);
  await form.getByLabel("Timeout (ms)").fill("1500");
  await form.getByLabel("Authentication code").fill(await code(admin));
  await form.getByRole("button", { name: "Register connection" }).click();
  const row = page.getByTestId("connections-table").getByRole("row", { name: new RegExp(name) });
  await expect(row).toContainText("https://api.stripe.com");
  await expect(row).toContainText("POST /v1/payment_methods");
  await expect(row).toContainText("bearer");
  expect(await page.content()).not.toContain(TOKEN);
  const connection = sql(main, `SELECT id FROM connections WHERE name = '${name}'`);
  expect(connection).toMatch(/^conn_/);

  // A channel's forward: its own card, a placeholder for the number.
  const pm = await tokenize(request, `cus_relay_${randomBytes(4).toString("hex")}`, PAN);
  const key = createApiKey(main, "e2e-channel", ["payment_methods:forward"]);
  const res = await request.post(`${main.url}/api/v1/forward`, {
    headers: { Authorization: `Bearer ${key}` },
    data: {
      connection,
      path: "/v1/payment_methods",
      content_type: "application/x-www-form-urlencoded",
      body: `type=card&card[number]={{ ${pm}:number }}`,
    },
  });
  // 502/504 here (no route out); a machine that can reach Stripe gets its 401 inside a 200.
  expect([200, 502, 504]).toContain(res.status());
  expect(await res.text()).not.toContain(PAN);

  const agent = createUser(main, "support_agent");
  const agentPage = await (await browser.newContext()).newPage();
  await firstSignIn(agentPage, main, agent);
  await openHydrated(agentPage, `${main.url}/payment-methods/${pm}`);
  const history = agentPage.getByRole("region", { name: "History" });
  await expect(history.getByRole("row", { name: /Payment method forward/ }).first()).toBeVisible();
  expect(await agentPage.content()).not.toContain(PAN);

  // Changed (within the step-up's few minutes, so no new code): a longer timeout, and every
  // forward must now name an approved use. The row says so; a forward without one is refused.
  await page.reload();
  await page.waitForLoadState("networkidle");
  const change = page.getByRole("region", { name: "Change a connection" });
  await change.getByLabel("Connection id").fill(connection);
  await change.getByLabel("Timeout (ms)").fill("2500");
  await change.getByLabel("Approved use").selectOption("yes");
  await change.getByRole("button", { name: "Save changes" }).click();
  const changed = page.getByTestId("connections-table").getByRole("row", { name: new RegExp(name) });
  await expect(changed).toContainText("2500 ms");
  await expect(changed).toContainText("forwards need an approved use");
  await expect(changed).toContainText("changed");
  const refused = await request.post(`${main.url}/api/v1/forward`, {
    headers: { Authorization: `Bearer ${key}` },
    data: { connection, path: "/v1/payment_methods", body: `{"n":"{{ ${pm}:number }}"}` },
  });
  expect(refused.status()).toBe(400);
  expect((await refused.json()).error.param).toBe("use");

  // Disabled, it takes no more forwards.
  await page.reload();
  await page.getByRole("button", { name: `Disable ${name}` }).click();
  await expect(
    page.getByTestId("connections-table").getByRole("row", { name: new RegExp(name) }),
  ).toContainText("disabled");
});
