// Taking a card from a caller (MOTO) in Chromium: the agent creates a card link on the
// customer's page, the caller opens it on their own device (another browser) and types the
// card; the agent's page shows the new card masked, for channel call_centre, and never the digits.
import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { randomBytes } from "node:crypto";
import { createUser, firstSignIn, main, openHydrated, sql } from "./support";

const PAN = "4242424242424242";

test("an agent takes a caller's card without seeing it", async ({ page, browser }) => {
  const customer = `cus-moto-${randomBytes(4).toString("hex")}`;
  const agent = createUser(main, "support_agent");
  await firstSignIn(page, main, agent);
  await openHydrated(page, `${main.url}/customers/${customer}`);
  const panel = page.getByRole("region", { name: "Take a card from a caller" });
  await panel.getByLabel("Reason").fill("caller wants a new card on file");
  await panel.getByRole("button", { name: "Create card link" }).click();
  const link = (await panel.getByTestId("collect-link").innerText()).trim();
  expect(link).toContain("/c/collect/");

  // The caller, on their own phone.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const caller = await phone.newPage();
  await caller.goto(link);
  // A page a customer uses on a phone: no serious accessibility violation either.
  const axe = await new AxeBuilder({ page: caller })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"])
    .analyze();
  expect(
    axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id),
  ).toEqual([]);
  await caller.screenshot({ path: "test-results/collect-phone.png", fullPage: true });
  await caller.getByLabel("Card number").fill(PAN);
  await caller.getByLabel("Month (MM)").fill("12");
  await caller.getByLabel("Year (YYYY)").fill(String(new Date().getFullYear() + 2));
  await caller.getByLabel("Security code (CVC)").fill("123");
  await caller.getByRole("button", { name: "Save this card" }).click();
  await expect(caller.getByTestId("result")).toContainText("4242");
  await phone.close();

  await page.reload();
  const row = page.getByRole("row", { name: /424242 •••• 4242/ });
  await expect(row).toBeVisible();
  await expect(row).toContainText("call_centre");
  expect(await page.content()).not.toContain(PAN);
  const agentId = sql(main, `SELECT id FROM staff_users WHERE email = '${agent.email}'`);
  expect(
    sql(
      main,
      `SELECT actor_type || ' ' || json_extract(detail, '$.collected_for') || ' ' || reason FROM audit_events WHERE action = 'payment_method.create' AND json_extract(detail, '$.via') = 'card_collection' AND actor_id = '${customer}'`,
    ),
  ).toBe(`customer ${agentId} caller wants a new card on file`);
});
