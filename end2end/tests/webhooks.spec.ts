// Webhook endpoints in Chromium: a channel registers one through the JSON API; a security admin
// finds it on the Webhooks page with who registered it and its queue, and disables it; the
// page, the API and the audit log then agree that it is disabled.
import { expect, test } from "@playwright/test";
import { randomBytes } from "node:crypto";
import { type Account, createApiKey, createUser, firstSignIn, main, sql } from "./support";

test("a security admin disables a channel's webhook endpoint", async ({ page, request }) => {
  // A channel of its own (its own key: a channel's key registers endpoints for its own channel
  // only), so no other test's events are queued for it.
  const channel = `e2e-wh-${randomBytes(3).toString("hex")}`;
  const auth = { Authorization: `Bearer ${createApiKey(main, channel, ["webhooks:manage"])}` };
  const url = `https://oms.example/hooks/${channel}`;
  const created = await request.post(`${main.url}/api/v1/webhook_endpoints`, {
    headers: auth,
    data: { url, channel },
  });
  expect(created.status()).toBe(201);
  const endpoint = await created.json();
  expect(endpoint.secret).toMatch(/^whsec_/);

  const admin: Account = createUser(main, "security_admin");
  await firstSignIn(page, main, admin);
  await page.getByRole("link", { name: "Webhooks" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Webhooks" })).toBeVisible();
  const row = page.getByTestId("endpoint").filter({ hasText: url });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(channel);
  await expect(row.getByTestId("endpoint-state")).toHaveText("enabled");
  await expect(page.locator("body")).not.toContainText(endpoint.secret);

  await row.getByRole("button", { name: "Disable" }).click();
  await expect(page.getByText("Disabled: no more events go to it.")).toBeVisible();
  await expect(row.getByTestId("endpoint-state")).toContainText("disabled");
  await expect(row.getByRole("button", { name: "Disable" })).toHaveCount(0);

  const listed = await request.get(`${main.url}/api/v1/webhook_endpoints`, { headers: auth });
  expect(listed.status()).toBe(200);
  const mine = (await listed.json()).data.find((e: { id: string }) => e.id === endpoint.id);
  expect(mine.status).toBe("disabled");
  expect(
    sql(
      main,
      `SELECT outcome || ' ' || actor_type FROM audit_events WHERE action = 'webhook_endpoint.disable' AND resource_id = '${endpoint.id}'`,
    ),
  ).toBe("success staff");
});
