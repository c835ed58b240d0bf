// The customer timeline in Chromium: an agent goes from the customer's page to its timeline,
// sees the card stored, the use and the audit trail newest first, narrows it to uses with the
// filter (a plain GET form), and the page reads well at laptop and phone widths.
import { expect, test } from "@playwright/test";
import { randomBytes } from "node:crypto";
import { createUser, firstSignIn, main, openHydrated, sql, tokenize } from "./support";

test("an agent reads a customer's timeline and narrows it to uses", async ({ page, request }) => {
  const customer = `cus-tl-${randomBytes(4).toString("hex")}`;
  const pm = await tokenize(request, customer, "4242424242424242");
  const used = await request.post(`${main.url}/api/v1/payment_methods/${pm}/uses`, {
    headers: { Authorization: `Bearer ${process.env.COFFER_E2E_API_KEY}` },
    data: { amount: 1250, currency: "eur", order_reference: "ord-e2e-1" },
  });
  expect(used.status()).toBe(201);

  const agent = createUser(main, "support_agent");
  await firstSignIn(page, main, agent);
  await openHydrated(page, `${main.url}/customers/${customer}`);
  await page.getByRole("link", { name: /^Timeline/ }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Timeline of ${customer}` })).toBeVisible();
  const entries = page.getByTestId("timeline-entry");
  await expect(entries.filter({ hasText: "Payment method stored" })).toHaveCount(1);
  await expect(entries.filter({ hasText: "Visa •••• 4242" })).toHaveCount(1);
  const use = entries.filter({ hasText: "12.50 EUR for order ord-e2e-1" });
  await expect(use).toHaveCount(1);
  await expect(use).toHaveAttribute("data-source", "use");
  await expect(entries.filter({ hasText: "Payment method create" })).toHaveCount(1);
  await expect(page.locator("body")).not.toContainText("4242424242424242");

  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: "test-results/timeline-laptop.png", fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: "test-results/timeline-phone.png", fullPage: true });
  await page.setViewportSize({ width: 1280, height: 720 });

  await page.getByLabel("Uses and step-ups").check();
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page).toHaveURL(/\/timeline\?source=use/);
  await expect(entries).toHaveCount(1);
  await expect(entries.first()).toHaveAttribute("data-source", "use");
  await expect(page.getByLabel("Uses and step-ups")).toBeChecked();

  const agentId = sql(main, `SELECT id FROM staff_users WHERE email = '${agent.email}'`);
  expect(
    Number(
      sql(
        main,
        `SELECT COUNT(*) FROM audit_events WHERE action = 'customer.timeline' AND actor_id = '${agentId}' AND resource_id = '${customer}'`,
      ),
    ),
  ).toBeGreaterThanOrEqual(2);
});
