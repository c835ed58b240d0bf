// The compliance officer's audit console in Chromium: the log searched by action, one event in
// full, a signed CSV export behind a step-up (a real download), and a flag of the daily review
// marked reviewed with a note (PCI DSS 10.2, 10.3, 10.4.1).
import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import {
  code,
  createUser,
  firstSignIn,
  main,
  openHydrated,
  reviewToday,
  sql,
  tokenize,
} from "./support";

const PAN = "4242424242424242";

test("an officer searches the log, opens an event and downloads a signed export", async ({
  page,
}) => {
  const officer = createUser(main, "compliance_officer");
  await firstSignIn(page, main, officer);
  const officerId = sql(main, `SELECT id FROM staff_users WHERE email = '${officer.email}'`);

  await page.getByRole("link", { name: "Audit log" }).first().click();
  await expect(page.getByRole("heading", { level: 1, name: "Audit log" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Chain status" })).toBeVisible();
  await expect(page.getByTestId("chain-head")).toContainText("#");

  // Search by action: the filter lands in the URL, the officer's own enrolment is listed.
  await page.getByLabel("Action", { exact: true }).fill("staff.mfa_enrol");
  await page.getByRole("button", { name: "Search the log" }).click();
  await expect(page).toHaveURL(/\/console\/audit\?action=staff\.mfa_enrol$/);
  const row = page.getByRole("row", { name: new RegExp(officer.email.replace(/\./g, "\\.")) });
  await expect(row).toBeVisible();
  const rows = page.locator(".audit-table tbody tr");
  for (const text of await rows.allInnerTexts()) expect(text).toContain("staff.mfa_enrol");

  // The event in full.
  await row.getByRole("link").first().click();
  await expect(page).toHaveURL(/\/console\/audit\/events\/\d+$/);
  await expect(page.getByRole("heading", { level: 1, name: /^Event #\d+$/ })).toBeVisible();
  const record = page.getByRole("region", { name: "Record" });
  await expect(record).toContainText("staff.mfa_enrol");
  await expect(record).toContainText(officer.email);
  await expect(page.getByRole("region", { name: "Hash chain" })).toContainText(/[0-9a-f]{64}/);

  // Back to the results; export them as signed CSV with a fresh code.
  await page.goBack();
  await expect(page).toHaveURL(/action=staff\.mfa_enrol/);
  const exportForm = page.getByRole("region", { name: "Export" });
  await exportForm.getByLabel("Format").selectOption("csv");
  await exportForm.getByLabel("Authentication code").fill(await code(officer));
  const downloading = page.waitForEvent("download");
  await exportForm.getByRole("button", { name: "Download signed export" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^coffer-audit-.+\.csv$/);
  const text = await readFile((await download.path())!, "utf8");
  expect(text.startsWith("seq,time,")).toBe(true);
  const lines = text.trimEnd().split("\n");
  expect(lines[lines.length - 1].startsWith("#coffer-signature ")).toBe(true);
  expect(text).toContain(officerId);
  expect(text).not.toContain(PAN);

  // Searching, reading and exporting were each recorded.
  for (const action of ["audit.search", "audit.read", "audit.export"]) {
    const n = sql(
      main,
      `SELECT COUNT(*) FROM audit_events WHERE action = '${action}' AND outcome = 'success' AND actor_id = '${officerId}'`,
    );
    expect(Number(n), action).toBeGreaterThanOrEqual(1);
  }
});

test("an officer marks a flag of the daily review reviewed, with a note", async ({
  browser,
  request,
}) => {
  // An agent without the reveal grant tries three times: the review rules flag it.
  const id = await tokenize(request, `cus_e2e_${Date.now()}`, PAN);
  const agent = createUser(main, "support_agent");
  const agentPage = await (await browser.newContext()).newPage();
  await firstSignIn(agentPage, main, agent);
  for (let i = 0; i < 3; i++) {
    const refused = await agentPage.request.post(`${main.url}/console/api/reveal`, {
      form: { id, reason: `attempt ${i}` },
    });
    expect(refused.status()).toBe(403);
  }
  reviewToday(main);
  const agentId = sql(main, `SELECT id FROM staff_users WHERE email = '${agent.email}'`);
  expect(
    sql(
      main,
      `SELECT COUNT(*) FROM audit_flags WHERE kind = 'repeated_denied_reveals' AND subject = '${agentId}' AND reviewed_at IS NULL`,
    ),
  ).toBe("1");

  const officer = createUser(main, "compliance_officer");
  const page = await (await browser.newContext()).newPage();
  await firstSignIn(page, main, officer);
  await openHydrated(page, `${main.url}/console/audit/review`);
  await expect(page.getByRole("heading", { level: 1, name: "Daily review" })).toBeVisible();
  const waiting = page.getByRole("region", { name: "Waiting for review" });
  await expect(waiting).toContainText(/\d+ unreviewed flags? on \d{4}-\d{2}-\d{2}/);

  const flag = page
    .getByRole("article")
    .filter({ has: page.getByRole("heading", { name: "Repeated denied reveals" }) })
    .filter({ hasText: agent.email });
  await expect(flag).toHaveCount(1);
  await expect(flag).toContainText("3 reveal attempts");
  const note = "Agent tried to reveal without the grant; confirmed with the team lead (ticket 512).";
  await flag.getByLabel("Review note").fill(note);
  await flag.getByRole("button", { name: "Mark reviewed" }).click();
  await expect(page.getByText("Flag marked reviewed.")).toBeVisible();
  await expect(flag).toHaveCount(0);

  // Shown again, with the reviewer and the note, when reviewed flags are included.
  await page.getByRole("link", { name: "Show reviewed flags too" }).click();
  await expect(page).toHaveURL(/\/console\/audit\/review\?show=all$/);
  await expect(flag).toHaveCount(1);
  await expect(flag).toContainText(`Reviewed by ${officer.email}`);
  await expect(flag).toContainText(note);

  const officerId = sql(main, `SELECT id FROM staff_users WHERE email = '${officer.email}'`);
  expect(
    sql(
      main,
      `SELECT reviewed_by || '|' || review_note FROM audit_flags WHERE kind = 'repeated_denied_reveals' AND subject = '${agentId}'`,
    ),
  ).toBe(`${officerId}|${note}`);
  expect(
    sql(
      main,
      `SELECT COUNT(*) FROM audit_events WHERE action = 'audit.flag_review' AND actor_id = '${officerId}'`,
    ),
  ).toBe("1");
});
