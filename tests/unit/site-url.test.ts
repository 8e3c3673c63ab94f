import { describe, expect, it } from 'vitest';
import { siteUrl } from '../../scripts/site-url.mjs';

describe('siteUrl (astro.config.mjs `site`, the sitemap)', () => {
  it('takes SITE_URL, else PUBLIC_ORIGIN, else the address npm start serves on', () => {
    expect(siteUrl({ SITE_URL: 'https://course.example/', PUBLIC_ORIGIN: 'https://other.example' })).toBe('https://course.example');
    expect(siteUrl({ PUBLIC_ORIGIN: 'https://other.example' })).toBe('https://other.example');
    expect(siteUrl({})).toBe('http://localhost:8080');
  });
  it('refuses a malformed address at build time', () => {
    expect(() => siteUrl({ SITE_URL: 'course.example' })).toThrow();
  });
});
