// Every console page and the roles it is for, shared by the walks without JavaScript and the
// accessibility scan. `:customer`, `:pm`, `:user` and `:seq` are filled in by `fillPage`.
export type Role = "support_agent" | "compliance_officer" | "security_admin";

export const PAGES: { path: string; roles: Role[] }[] = [
  { path: "/", roles: ["support_agent", "compliance_officer", "security_admin"] },
  { path: "/search", roles: ["support_agent", "compliance_officer"] },
  { path: "/search?q=:customer", roles: ["support_agent", "compliance_officer"] },
  { path: "/customers/:customer", roles: ["support_agent", "compliance_officer"] },
  { path: "/customers/:customer/timeline", roles: ["support_agent", "compliance_officer"] },
  {
    path: "/customers/:customer/timeline?source=use&source=audit",
    roles: ["support_agent", "compliance_officer"],
  },
  { path: "/payment-methods/:pm", roles: ["support_agent", "compliance_officer"] },
  { path: "/console/expiry", roles: ["support_agent", "compliance_officer"] },
  { path: "/console/audit", roles: ["compliance_officer"] },
  { path: "/console/audit/events/:seq", roles: ["compliance_officer"] },
  { path: "/console/audit/review", roles: ["compliance_officer"] },
  { path: "/admin/users", roles: ["security_admin"] },
  { path: "/admin/users/:user", roles: ["security_admin"] },
  { path: "/admin/api-keys", roles: ["security_admin"] },
  { path: "/admin/connections", roles: ["security_admin"] },
  { path: "/admin/step-up", roles: ["security_admin"] },
  { path: "/admin/webhooks", roles: ["security_admin"] },
  { path: "/account/password", roles: ["support_agent", "compliance_officer", "security_admin"] },
];

/** `path` with its placeholders replaced. */
export function fillPage(
  path: string,
  ids: { customer: string; pm: string; user: string; seq: string },
): string {
  return path
    .replaceAll(":customer", ids.customer)
    .replace(":pm", ids.pm)
    .replace(":user", ids.user)
    .replace(":seq", ids.seq);
}
