// Playwright for Coffer's console. Uses Debian's /usr/bin/chromium: `npx playwright install`
// cannot work here (it downloads a browser). The server must already be running, e.g. through
// `cargo leptos end-to-end` or a test script that starts it; point COFFER_E2E_BASE_URL at it.
import { defineConfig } from "@playwright/test";

const baseURL = process.env.COFFER_E2E_BASE_URL ?? "http://127.0.0.1:3000";

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 1,
  reporter: "list",
  use: {
    baseURL,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [{ name: "chromium", use: { browserName: "chromium" } }],
});
