// The minimal console: server-rendered status, hydration, the refresh round trip, and 404s.
import { expect, test, type Page } from "@playwright/test";

/** Opens `path` and waits until the wasm has loaded and the page is hydrated. */
async function openHydrated(page: Page, path: string) {
  const wasm = page.waitForResponse((response) => response.url().endsWith(".wasm"));
  const response = await page.goto(path);
  expect((await wasm).ok()).toBe(true);
  await page.waitForLoadState("networkidle");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  return response;
}

test("the landing page shows the vault's status and hydrates", async ({ page }) => {
  const response = await openHydrated(page, "/");
  expect(response?.status()).toBe(200);

  await expect(page).toHaveTitle("Coffer");
  await expect(page.getByRole("heading", { level: 1, name: "Coffer" })).toBeVisible();
  await expect(page.getByText("PCI-DSS vault for payment methods")).toBeVisible();
  await expect(page.getByRole("note")).toContainText("sign-in is coming in a later release");
  await expect(page.getByRole("link", { name: "OpenAPI document" })).toHaveAttribute(
    "href",
    "/api/v1/openapi.json",
  );

  const panel = page.getByRole("region", { name: "Status" });
  await expect(panel.getByText("Vault: ready")).toBeVisible();
  await expect(panel.getByRole("row", { name: /Database/ })).toContainText("ready");
  await expect(panel.getByRole("row", { name: /HSM/ })).toContainText("ready");
  await expect(panel.getByRole("row", { name: /Version/ })).toContainText(/\d+\.\d+\.\d+/);
});

test("Refresh status calls the server function again", async ({ page }) => {
  await openHydrated(page, "/");
  const panel = page.getByRole("region", { name: "Status" });

  const refreshed = page.waitForResponse(
    (response) =>
      response.url().includes("/console/api/status") && response.request().method() === "POST",
  );
  await panel.getByRole("button", { name: "Refresh status" }).click();
  expect((await refreshed).ok()).toBe(true);

  await expect(panel).toHaveAttribute("aria-busy", "false");
  await expect(panel.getByRole("button", { name: "Refresh status" })).toBeEnabled();
  await expect(panel.getByText("Vault: ready")).toBeVisible();
});

test("an unknown path answers 404 with the not-found page", async ({ page }) => {
  const response = await openHydrated(page, "/no-such-page");
  expect(response?.status()).toBe(404);

  await expect(page).toHaveTitle("Page not found · Coffer");
  await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();

  await page.getByRole("link", { name: "Back to the console" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { level: 1, name: "Coffer" })).toBeVisible();
});
