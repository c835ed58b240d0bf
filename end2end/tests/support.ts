// Shared steps for the console tests: accounts made with the real `coffer` CLI against the
// running server's database, TOTP codes computed from the enrolment key (RFC 6238), sign-in
// through the UI, payment methods stored through the JSON API, and audit rows read with sqlite3.
import { execFileSync } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { expect, type APIRequestContext, type Page } from "@playwright/test";

const BIN = process.env.COFFER_BIN ?? "../target/debug/coffer";

/** One server under test: its URL and its SQLite database. */
export interface Server {
  url: string;
  database: string;
}

export const main: Server = {
  url: process.env.COFFER_E2E_BASE_URL ?? "http://127.0.0.1:3000",
  database: process.env.COFFER_E2E_DATABASE ?? "",
};

export const idle: Server = {
  url: process.env.COFFER_E2E_IDLE_BASE_URL ?? "",
  database: process.env.COFFER_E2E_IDLE_DATABASE ?? "",
};

/** Runs `coffer …` against `server`'s database (the HSM settings come from the environment). */
function coffer(server: Server, args: string[]): string {
  return execFileSync(BIN, args, {
    env: {
      ...process.env,
      COFFER_DATABASE_URL: `sqlite://${server.database}?mode=rwc`,
      COFFER_LOG_FORMAT: "json",
    },
    encoding: "utf8",
  });
}

/** Runs the daily review rules over today's (UTC) events: `coffer audit review --day …`. */
export function reviewToday(server: Server): string {
  return coffer(server, ["audit", "review", "--day", new Date().toISOString().slice(0, 10)]);
}

/** A single SQL answer from the server's database. */
export function sql(server: Server, query: string): string {
  return execFileSync("sqlite3", [server.database, query], { encoding: "utf8" }).trim();
}

export interface Account {
  email: string;
  password: string;
  key?: Buffer;
  lastStep: number;
  /** The recovery codes shown at enrolment. */
  recoveryCodes?: string[];
}

/** A new account with `role`, created like the first admin is: `coffer user create`. */
export function createUser(server: Server, role: string): Account {
  const email = `${role.replace("_", "-")}-${randomBytes(4).toString("hex")}@e2e.coffer`;
  const out = coffer(server, ["user", "create", "--email", email, "--role", role]);
  const lines = out.trim().split("\n");
  return { email, password: lines[lines.length - 1].trim(), lastStep: 0 };
}

/** A new API key for channel `name` with `scopes`, made like an operator does: `coffer api-key
 * create` (the key is on the last line). */
export function createApiKey(server: Server, name: string, scopes: string[]): string {
  const out = coffer(server, ["api-key", "create", "--name", name, ...scopes.flatMap((s) => ["--scope", s])]);
  const lines = out.trim().split("\n");
  return lines[lines.length - 1].trim();
}

/** Bytes of a base32 key (as authenticator apps read the manual key). */
export function base32(text: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of text.replace(/[\s=]/g, "").toUpperCase()) {
    bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

function hotp(key: Buffer, counter: number): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac("sha1", key).update(msg).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, "0");
}

/** A code for a time step not used before by this account (now or the next step). */
export async function code(account: Account): Promise<string> {
  for (;;) {
    const step = Math.floor(Date.now() / 1000 / 30);
    for (const candidate of [step, step + 1]) {
      if (candidate > account.lastStep) {
        account.lastStep = candidate;
        return hotp(account.key!, candidate);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Opens `path` and waits until the wasm has loaded and the page is hydrated. */
export async function openHydrated(page: Page, url: string) {
  const response = await page.goto(url);
  await page.waitForLoadState("networkidle");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  return response;
}

/** First sign-in: issued password, new password, TOTP enrolment from the manual key. */
export async function firstSignIn(page: Page, server: Server, account: Account) {
  await openHydrated(page, `${server.url}/login`);
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password", { exact: true }).fill(account.password);
  await page.getByRole("button", { name: "Sign in" }).click();

  await expect(page.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
  const chosen = `chosen-${randomBytes(6).toString("hex")}-2026`;
  await page.getByLabel("Current password").fill(account.password);
  await page.getByLabel("New password", { exact: true }).fill(chosen);
  await page.getByLabel("Confirm new password").fill(chosen);
  await page.getByRole("button", { name: "Change password" }).click();
  account.password = chosen;

  await expect(page.getByRole("heading", { name: "Set up two-step verification" })).toBeVisible();
  await expect(page.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
  await expect(page.getByTestId("recovery-codes").locator("li")).toHaveCount(10);
  account.recoveryCodes = await page.getByTestId("recovery-codes").locator("li").allInnerTexts();
  account.key = base32(await page.getByTestId("manual-key").innerText());
  await page.getByLabel("Authentication code").fill(await code(account));
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Console" })).toBeVisible();
}

/** Sign-in of an enrolled account: password, then a fresh code. */
export async function signIn(page: Page, server: Server, account: Account) {
  await openHydrated(page, `${server.url}/login`);
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password", { exact: true }).fill(account.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Two-step verification" })).toBeVisible();
  await page.getByLabel("Authentication code").fill(await code(account));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Console" })).toBeVisible();
}

/** Stores a card through the JSON API (the demo channel key) and returns its token. */
export async function tokenize(
  request: APIRequestContext,
  customer: string,
  number: string,
): Promise<string> {
  const response = await request.post(`${main.url}/api/v1/payment_methods`, {
    headers: { Authorization: `Bearer ${process.env.COFFER_E2E_API_KEY}` },
    data: {
      customer,
      type: "card",
      card: { number, exp_month: 12, exp_year: new Date().getFullYear() + 3, cvc: "123" },
    },
  });
  expect(response.status()).toBe(201);
  return (await response.json()).id;
}

/** Runs the lifecycle job once now (`coffer lifecycle run`), as the scheduler would. */
export function runLifecycle(server: Server): string {
  return coffer(server, ["lifecycle", "run"]);
}

/** Stores a card with a chosen expiry through the JSON API and returns its token. */
export async function tokenizeExpiring(
  request: APIRequestContext,
  customer: string,
  number: string,
  expMonth: number,
  expYear: number,
): Promise<string> {
  const response = await request.post(`${main.url}/api/v1/payment_methods`, {
    headers: { Authorization: `Bearer ${process.env.COFFER_E2E_API_KEY}` },
    data: { customer, type: "card", card: { number, exp_month: expMonth, exp_year: expYear, cvc: "123" } },
  });
  expect(response.status()).toBe(201);
  return (await response.json()).id;
}
