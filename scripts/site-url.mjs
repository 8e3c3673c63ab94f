/**
 * The site's public address, for what must be absolute (canonical and hreflang links, social
 * previews, the sitemap). Fixed at build time: SITE_URL, else the server's PUBLIC_ORIGIN (the
 * same address in the usual deployment), else the address `npm start` serves on by default.
 */
export function siteUrl(env = process.env) {
  const raw = env.SITE_URL || env.PUBLIC_ORIGIN || 'http://localhost:8080';
  const url = new URL(raw); // throws on a malformed setting: better at build than in every page
  return url.origin;
}
