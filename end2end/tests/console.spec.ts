// The console's frame: signed-out visitors land on sign-in, unknown paths answer 404.
import { expect, test } from "@playwright/test";
import { main, openHydrated } from "./support";

test("the console asks a signed-out visitor to sign in", async ({ page }) => {
  await openHydrated(page, `${main.url}/`);
  await expect(page).toHaveURL(/\/login\?next=%2F$/);
  await expect(page).toHaveTitle("Sign in · Coffer");
  await expect(page.getByRole("heading", { level: 1, name: "Sign in to Coffer" })).toBeVisible();
});

test("an unknown path answers 404 with the not-found page", async ({ page }) => {
  const response = await openHydrated(page, `${main.url}/no-such-page`);
  expect(response?.status()).toBe(404);
  await expect(page).toHaveTitle("Page not found · Coffer");
  await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();
});
