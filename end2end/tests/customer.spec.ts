// A customer's side, in Chromium with a phone-sized window: enrolling an authenticator app from
// the OMS's link and approving a large payment with a code; then a passkey, enrolled and used
// through Chromium's virtual authenticator (the DevTools protocol's WebAuthn domain), and proved
// before a later change. The pages
// are on `localhost` (a passkey needs a domain name), the public URL the links are built on.
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { randomBytes } from "node:crypto";
import { type Account, base32, code, main, sql, tokenize } from "./support";

const PAN = "4242424242424242";
const auth = () => ({ Authorization: `Bearer ${process.env.COFFER_E2E_API_KEY}` });

test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

async function enrolmentLink(request: APIRequestContext, customer: string): Promise<string> {
  const response = await request.post(`${main.url}/api/v1/customers/${customer}/mfa/enrollments`, {
    headers: auth(),
  });
  expect(response.status()).toBe(201);
  const url: string = (await response.json()).url;
  expect(url).toMatch(/^http:\/\/localhost:\d+\/c\/enrol\//);
  return url;
}

async function useFor(request: APIRequestContext, pm: string, amount: number) {
  const response = await request.post(`${main.url}/api/v1/payment_methods/${pm}/uses`, {
    headers: auth(),
    // The use is on the key's channel (a body may not name another).
    data: { amount, currency: "eur", order_reference: "ord-e2e-1" },
  });
  expect(response.status()).toBe(201);
  return response.json();
}

async function useStatus(request: APIRequestContext, pm: string, id: string) {
  const response = await request.get(`${main.url}/api/v1/payment_methods/${pm}/uses/${id}`, {
    headers: auth(),
  });
  expect(response.status()).toBe(200);
  return response.json();
}

async function openLink(page: Page, url: string) {
  await page.goto(url);
  await expect(page.getByRole("heading", { name: "Protect your payments" })).toBeVisible();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { name: "Your verification methods" })).toBeVisible();
}

test("a customer enrols an authenticator app and approves a large payment with a code", async ({
  page,
  request,
}) => {
  const customer = `cus-e2e-${randomBytes(4).toString("hex")}`;
  const pm = await tokenize(request, customer, PAN);
  await openLink(page, await enrolmentLink(request, customer));

  await page.getByRole("button", { name: "Add an authenticator app" }).click();
  await expect(page.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
  const account: Account = { email: customer, password: "", lastStep: 0 };
  account.key = base32(await page.getByTestId("manual-key").innerText());
  await page.getByLabel("Enter the 6-digit code your app shows").fill(await code(account));
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page.getByText("Your authenticator app is set up.")).toBeVisible();
  await expect(page.getByText("Authenticator app", { exact: true })).toBeVisible();
  await page.getByRole("button", { name: "I'm done" }).click();
  await expect(page.getByRole("heading", { name: "All set" })).toBeVisible();

  // A small payment needs nothing; a large one sends the customer to the challenge.
  expect((await useFor(request, pm, 2_000)).status).toBe("approved");
  const use = await useFor(request, pm, 75_000);
  expect(use.status).toBe("requires_action");
  await page.goto(use.next_action.url);
  await expect(page.getByRole("heading", { name: "Approve your payment" })).toBeVisible();
  await expect(page.getByTestId("amount")).toHaveText("750.00 EUR");
  await expect(page.getByTestId("card")).toHaveText("Visa •••• 4242");
  expect(await page.content()).not.toContain(PAN);

  await page.getByLabel("Enter the 6-digit code from your authenticator app").fill("000000");
  await page.getByRole("button", { name: "Approve payment" }).click();
  await expect(page.getByText("That code is wrong or was already used.")).toBeVisible();
  await expect(page.getByText("4 tries left")).toBeVisible();
  await page.getByLabel("Enter the 6-digit code from your authenticator app").fill(await code(account));
  await page.getByRole("button", { name: "Approve payment" }).click();
  await expect(page.getByRole("heading", { name: "Payment approved" })).toBeVisible();

  const after = await useStatus(request, pm, use.id);
  expect(after.status).toBe("approved");
  expect(after.factor).toBe("totp");
  // The link is spent.
  await page.goto(use.next_action.url);
  await expect(page.getByRole("heading", { name: "This link has expired" })).toBeVisible();
  const attempts = sql(
    main,
    `SELECT group_concat(outcome, ',') FROM (SELECT outcome FROM audit_events WHERE action = 'customer_mfa.challenge' AND actor_id = '${customer}' ORDER BY seq)`,
  );
  expect(attempts).toBe("failure,success");
});

test("a customer enrols a passkey and approves a payment with it", async ({ page, request }) => {
  const client = await page.context().newCDPSession(page);
  await client.send("WebAuthn.enable", { enableUI: false });
  await client.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      ctap2Version: "ctap2_1",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });

  const customer = `cus-e2e-${randomBytes(4).toString("hex")}`;
  const pm = await tokenize(request, customer, PAN);
  await openLink(page, await enrolmentLink(request, customer));
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await expect(page.getByText("Your passkey is set up.")).toBeVisible();
  await expect(page.getByText("Passkey", { exact: true })).toBeVisible();

  const use = await useFor(request, pm, 90_000);
  expect(use.status).toBe("requires_action");
  await page.goto(use.next_action.url);
  await expect(page.getByTestId("amount")).toHaveText("900.00 EUR");
  await page.getByRole("button", { name: "Approve with passkey" }).click();
  await expect(page.getByRole("heading", { name: "Payment approved" })).toBeVisible();
  const after = await useStatus(request, pm, use.id);
  expect(after.status).toBe("approved");
  expect(after.factor).toBe("passkey");
  // A second link: before any change, the customer proves the passkey they have.
  await page.goto(await enrolmentLink(request, customer));
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { name: "Confirm it's you" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Add a passkey" })).toBeHidden();
  await page.getByRole("button", { name: "Confirm with passkey" }).click();
  await expect(page.getByText("Thank you. You can now change your methods.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Add a passkey" })).toBeVisible();

  const enrolled = sql(
    main,
    `SELECT count(*) FROM audit_events WHERE action = 'customer_mfa.enrol' AND outcome = 'success' AND actor_id = '${customer}' AND detail LIKE '%passkey%'`,
  );
  expect(enrolled).toBe("1");
});
