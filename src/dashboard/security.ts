// Who may use the dashboard (the app's authorize callback, a shared token) and what keeps actions safe (CSRF checks,
// security headers).
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { csrf } from "hono/csrf";
import { secureHeaders } from "hono/secure-headers";
import { timingSafeEqual } from "hono/utils/buffer";
import { loginPage, refusedPage } from "./views/pages.js";
import type { DashboardEnv } from "./context.js";

/** Decides, for each request, whether it may see the dashboard; the app's own session check goes here. */
export type Authorize = (request: Request) => boolean | Promise<boolean>;

const TOKEN_COOKIE = "prisma_tasks_dashboard_token";
const CSRF_COOKIE = "prisma_tasks_csrf";
/** The form field every action's form carries, equal to the CSRF cookie. */
export const CSRF_FIELD = "csrf";

/** Cookies for the dashboard's own path only, never sent by other sites' requests or readable by scripts. */
function cookieOptions(c: Context<DashboardEnv>) {
  return {
    path: c.var.basePath || "/",
    httpOnly: true,
    sameSite: "Strict" as const,
    secure: new URL(c.req.url).protocol === "https:",
  };
}

/** The bearer token of an Authorization header, as Prometheus and scripts send it. */
function bearer(c: Context): string | undefined {
  const header = c.req.header("authorization");
  return header?.startsWith("Bearer ") ? header.slice("Bearer ".length).trim() : undefined;
}

/** Whether the request carries the token, in its Authorization header or in the cookie a login set. */
async function carriesToken(c: Context<DashboardEnv>, token: string): Promise<boolean> {
  for (const given of [bearer(c), getCookie(c, TOKEN_COOKIE)]) {
    if (given !== undefined && (await timingSafeEqual(given, token))) return true;
  }
  return false;
}

/**
 * Refuses requests the app's `authorize` turns down (403) and, with a token, requests without it (401, with a form
 * to give it). POST /login sets the token cookie, so a browser gives the token once.
 */
export function access(options: { authorize?: Authorize; token?: string }): MiddlewareHandler<DashboardEnv> {
  const { authorize, token } = options;
  return async (c, next) => {
    if (authorize && !(await authorize(c.req.raw))) return c.html(refusedPage(c, "You are not allowed to see this dashboard."), 403);
    if (token === undefined) return next();
    if (c.req.method === "POST" && c.req.path === `${c.var.basePath}/login`) {
      const given = (await c.req.parseBody())["token"];
      if (typeof given === "string" && (await timingSafeEqual(given, token))) {
        setCookie(c, TOKEN_COOKIE, token, cookieOptions(c));
        return c.redirect(`${c.var.basePath}/`, 303);
      }
      return c.html(loginPage(c, "That token is not the dashboard's token."), 401);
    }
    if (await carriesToken(c, token)) return next();
    return c.html(loginPage(c), 401);
  };
}

function newCsrfToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * CSRF protection, twice over: a POST must come from a page of the same origin (Origin or Sec-Fetch-Site, checked by
 * Hono's csrf middleware), and must carry the token of this browser's CSRF cookie in its form (double submit), which
 * a page of another site cannot read.
 */
export function csrfProtection(): MiddlewareHandler<DashboardEnv> {
  const sameOrigin = csrf();
  return async (c, next) => {
    let cookie = getCookie(c, CSRF_COOKIE);
    if (c.req.method !== "POST") {
      if (cookie === undefined) setCookie(c, CSRF_COOKIE, (cookie = newCsrfToken()), cookieOptions(c));
      c.set("csrfToken", cookie);
      return next();
    }
    const submitted = (await c.req.parseBody())[CSRF_FIELD];
    if (cookie === undefined || typeof submitted !== "string" || !(await timingSafeEqual(submitted, cookie))) {
      return c.html(refusedPage(c, "This form has expired or did not come from this dashboard. Reload the page and try again."), 403);
    }
    c.set("csrfToken", cookie);
    // Throws Hono's 403 HTTPException for a request from another origin.
    return sameOrigin(c, next);
  };
}

/**
 * Headers that keep the pages' own content in charge: scripts, styles and requests only from the dashboard itself (no
 * inline script runs, so an escaped value that slipped through could still not execute), no framing (clickjacking on
 * the action buttons), no referrer carrying task ids elsewhere.
 */
export function securityHeaders(): MiddlewareHandler<DashboardEnv> {
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", "data:"],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      objectSrc: ["'none'"],
    },
    referrerPolicy: "no-referrer",
    xFrameOptions: "DENY",
    // HSTS is the host app's decision: it covers the whole domain, not this dashboard.
    strictTransportSecurity: false,
  });
}
