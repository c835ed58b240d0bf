// The payment-method lifecycle in Chromium: a support agent reads the expiry dashboard (tiles,
// SVG charts, the filtered list, the CSV download), sends a customer a re-verification link
// from a card's page, and the customer, on a phone, replaces the card or confirms its new
// expiry; the agent then sees the link completed on the customer's page.
import { expect, test, type Browser } from "@playwright/test";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  type Account,
  createUser,
  firstSignIn,
  main,
  openHydrated,
  runLifecycle,
  tokenizeExpiring,
} from "./support";

const VISA = "4242424242424242";
const MASTERCARD = "5555555555554444";
const now = new Date();
const thisMonth = now.getUTCMonth() + 1;
const thisYear = now.getUTCFullYear();

/** A phone-sized page of its own (the customer has no console session). */
async function phone(browser: Browser) {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
  });
  return context.newPage();
}

test("a support agent sees expiring cards by period, brand and channel, and downloads them", async ({
  page,
  request,
}) => {
  const customer = `cus-exp-${randomBytes(4).toString("hex")}`;
  await tokenizeExpiring(request, customer, VISA, thisMonth, thisYear);
  const mc = await tokenizeExpiring(request, customer, MASTERCARD, thisMonth, thisYear);
  expect(runLifecycle(main)).toMatch(/^run_/);

  const agent: Account = createUser(main, "support_agent");
  await firstSignIn(page, main, agent);
  await page.getByRole("link", { name: "Expiring" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Expiring cards" })).toBeVisible();

  const tile = page.getByTestId("tile-this_month");
  await expect(tile).toBeVisible();
  expect(Number(await tile.locator(".tile-count").innerText())).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId("month-chart").locator("rect")).not.toHaveCount(0);
  // The job's run from the command line is listed (the server's own scheduled run may have come
  // just after it, with nothing left to do, and be listed first).
  await expect(page.getByTestId("runs").locator("li").filter({ hasText: "turned expiring" })).not.toHaveCount(0);

  await tile.click();
  await expect(page).toHaveURL(/bucket=this_month/);
  await expect(page.getByRole("heading", { name: "This month: by brand and channel" })).toBeVisible();
  await page.getByLabel("Brand", { exact: true }).selectOption("mastercard");
  await page.getByLabel("Channel", { exact: true }).selectOption("e2e-channel");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/brand=mastercard/);
  const rows = page.getByTestId("expiry-table").locator("tbody tr");
  await expect(rows.filter({ hasText: customer })).toHaveCount(1);
  for (const text of await rows.allInnerTexts()) expect(text).toContain("Mastercard •••• 4444");
  await expect(page.getByTestId("brand-chart")).toContainText("Mastercard");

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download CSV" }).click(),
  ]);
  const csv = readFileSync((await download.path())!, "utf8");
  expect(csv.split("\n")[0]).toBe("payment_method,customer,brand,last4,expiry,channel,status");
  expect(csv).toContain(`${mc},${customer},Mastercard,4444,`);
  expect(csv).not.toContain(MASTERCARD);
  expect(csv).not.toContain(VISA);

  // The card's page offers the link that starts a re-verification.
  await rows.filter({ hasText: customer }).getByRole("link", { name: "Mastercard •••• 4444" }).click();
  await expect(page.getByRole("heading", { name: "Update with the customer" })).toBeVisible();
});

test("a customer replaces an expiring card from the agent's link, and the agent sees it done", async ({
  page,
  request,
  browser,
}) => {
  const customer = `cus-rv-${randomBytes(4).toString("hex")}`;
  const old = await tokenizeExpiring(request, customer, VISA, thisMonth, thisYear);

  const agent: Account = createUser(main, "support_agent");
  await firstSignIn(page, main, agent);
  await openHydrated(page, `${main.url}/payment-methods/${old}`);
  await page.getByRole("button", { name: "Create re-verification link" }).click();
  const link = await page.getByTestId("reverify-link").inputValue();
  expect(link).toMatch(/^http:\/\/localhost:\d+\/c\/reverify\//);

  const customerPage = await phone(browser);
  await customerPage.goto(link);
  await expect(customerPage.getByRole("heading", { name: "Keep your card up to date" })).toBeVisible();
  await expect(customerPage.getByTestId("card")).toHaveText("Visa •••• 4242");
  await expect(customerPage.locator("body")).not.toContainText(VISA);

  await customerPage.getByText("Use a different card instead").click();
  await customerPage.getByLabel("Card number").fill("4242424242424241");
  await customerPage.locator("#new_exp_month").fill("12");
  await customerPage.locator("#new_exp_year").fill(String(thisYear + 2));
  await customerPage.getByLabel("Security code (CVC)").fill("123");
  await customerPage.getByRole("button", { name: "Save this card" }).click();
  await expect(customerPage.getByRole("alert")).toHaveText("Your card number is incorrect.");

  await customerPage.getByLabel("Card number").fill(MASTERCARD);
  await customerPage.locator("#new_exp_month").fill("12");
  await customerPage.locator("#new_exp_year").fill(String(thisYear + 2));
  await customerPage.getByLabel("Security code (CVC)").fill("321");
  await customerPage.getByRole("button", { name: "Save this card" }).click();
  await expect(customerPage.getByRole("heading", { name: "Card updated" })).toBeVisible();
  await expect(customerPage.getByTestId("result")).toContainText("Mastercard •••• 4444");

  // Single use: the link is spent.
  const again = await customerPage.goto(link);
  expect(again?.status()).toBe(410);

  await openHydrated(page, `${main.url}/customers/${customer}`);
  const status = page.getByTestId("reverification");
  await expect(status).toHaveCount(1);
  await expect(status).toContainText("Completed");
  await expect(page.getByRole("row").filter({ hasText: "Replaced" })).toHaveCount(1);
  await expect(page.getByRole("row").filter({ hasText: "4444" })).toHaveCount(1);
});

test("a customer with a renewed card confirms its new expiry", async ({ page, request, browser }) => {
  const customer = `cus-rx-${randomBytes(4).toString("hex")}`;
  const pm = await tokenizeExpiring(request, customer, VISA, thisMonth, thisYear);
  const res = await request.post(`${main.url}/api/v1/payment_methods/${pm}/reverifications`, {
    headers: { Authorization: `Bearer ${process.env.COFFER_E2E_API_KEY}` },
  });
  expect(res.status()).toBe(201);
  const link: string = (await res.json()).url;

  const customerPage = await phone(browser);
  await customerPage.goto(link);
  await customerPage.getByLabel("Month (MM)").first().fill(String(thisMonth).padStart(2, "0"));
  await customerPage.getByLabel("Year (YYYY)").first().fill(String(thisYear + 4));
  await customerPage.getByRole("button", { name: "Confirm new expiry" }).click();
  await expect(customerPage.getByTestId("result")).toContainText(
    `${String(thisMonth).padStart(2, "0")}/${thisYear + 4}`,
  );

  const agent: Account = createUser(main, "support_agent");
  await firstSignIn(page, main, agent);
  await openHydrated(page, `${main.url}/payment-methods/${pm}`);
  await expect(page.locator("dd").filter({ hasText: `/${thisYear + 4}` })).toHaveCount(1);
});
