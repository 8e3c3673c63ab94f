/**
 * Accessibility checks run inside a page (page.evaluate), for the rules issue #11 found broken:
 * axe-core is not installed here, so these stand in for its label-content-name-mismatch, list,
 * label-title-only, heading-order and color-contrast rules. Each returns readable findings;
 * an empty list is a pass. Deliberately simpler than axe: text over images or gradients is
 * skipped, not guessed.
 */
export interface Finding {
  rule: string;
  where: string;
  detail: string;
}

export function runChecks(): Finding[] {
  const findings: Finding[] = [];
  const where = (el: Element) => {
    const id = el.id ? `#${el.id}` : '';
    const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
    const text = (el.textContent ?? '').trim().slice(0, 40);
    return `${el.tagName.toLowerCase()}${id}${cls} "${text}"`;
  };
  const visible = (el: Element) => {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return box.width > 1 && box.height > 1 && style.visibility !== 'hidden' && style.display !== 'none';
  };
  const squash = (s: string) => s.toLowerCase().replace(/[\s\p{P}\p{S}]+/gu, '');

  // WCAG 2.5.3: a control's accessible name contains its visible words.
  for (const el of document.querySelectorAll('a[aria-label], button[aria-label], [role="button"][aria-label]')) {
    const shown = squash((el as HTMLElement).innerText ?? '');
    const label = squash(el.getAttribute('aria-label') ?? '');
    if (shown && visible(el) && !label.includes(shown)) findings.push({ rule: 'label-in-name', where: where(el), detail: `aria-label "${el.getAttribute('aria-label')}"` });
  }

  // A list item must sit in something that is still a list (an explicit role on <ol> removes it).
  for (const li of document.querySelectorAll('li')) {
    const parent = li.parentElement;
    const ok = parent && ['UL', 'OL', 'MENU'].includes(parent.tagName) && ['', 'list'].includes(parent.getAttribute('role') ?? '');
    if (!ok && !li.hasAttribute('role')) findings.push({ rule: 'list', where: where(li), detail: `parent ${parent?.tagName} role=${parent?.getAttribute('role')}` });
  }

  // Every form field has a real label: aria-label(ledby), <label>, not a title or placeholder alone.
  for (const field of document.querySelectorAll<HTMLInputElement>('input:not([type="hidden"]), select, textarea')) {
    const labelled =
      field.getAttribute('aria-label')?.trim() ||
      field.getAttribute('aria-labelledby') ||
      field.labels?.length ||
      (field.type === 'radio' || field.type === 'checkbox' ? field.closest('label') : null);
    if (!labelled) findings.push({ rule: 'label', where: where(field), detail: `title="${field.title}" placeholder="${field.placeholder}"` });
  }

  // Headings go down one level at a time (h2 → h4 skips one).
  let last = 0;
  for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
    if (!visible(h)) continue;
    const level = Number(h.tagName[1]);
    if (last && level > last + 1) findings.push({ rule: 'heading-order', where: where(h), detail: `h${last} → h${level}` });
    last = level;
  }

  // Text contrast against the first opaque background behind it (WCAG 1.4.3: 4.5:1, 3:1 large).
  // Computed colours come as rgb(), color(srgb …) or oklab() (color-mix): a canvas reads them all.
  const pixel = document.createElement('canvas').getContext('2d', { willReadFrequently: true })!;
  const parse = (c: string): number[] => {
    pixel.clearRect(0, 0, 1, 1);
    pixel.fillStyle = c;
    pixel.fillRect(0, 0, 1, 1);
    const [r, g, b, a] = pixel.getImageData(0, 0, 1, 1).data;
    return [r!, g!, b!, a! / 255];
  };
  const blend = (top: number[], under: number[]) => {
    const a = top[3] ?? 1;
    return [0, 1, 2].map((i) => top[i]! * a + under[i]! * (1 - a));
  };
  const luminance = (rgb: number[]) =>
    rgb.map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)).reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i]!, 0);
  const backgroundOf = (el: Element): number[] | null => {
    const layers: number[][] = [];
    for (let node: Element | null = el; node; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.backgroundImage !== 'none') return null; // gradient or image: not judged here
      const bg = parse(style.backgroundColor);
      if ((bg[3] ?? 1) > 0) layers.push(bg);
      if ((bg[3] ?? 1) >= 1) break;
    }
    let rgb = [255, 255, 255];
    if (matchMedia('(prefers-color-scheme: dark)').matches && !layers.some((l) => (l[3] ?? 1) >= 1)) rgb = [0, 0, 0];
    for (const layer of layers.reverse()) rgb = blend(layer, rgb);
    return rgb;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set<Element>();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || seen.has(el) || !node.textContent?.trim()) continue;
    seen.add(el);
    if (!visible(el) || el.closest('[aria-hidden="true"], .visually-hidden, .skip-link, button:disabled, select:disabled, option, canvas, svg')) continue;
    const style = getComputedStyle(el);
    if (Number(style.opacity) < 1 || el.closest('[inert]')) continue;
    const bg = backgroundOf(el);
    if (!bg) continue;
    const fg = blend(parse(style.color), bg);
    const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a) as [number, number];
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5) - 0.01) findings.push({ rule: 'color-contrast', where: where(el), detail: `${ratio.toFixed(2)}:1 ${style.color} on rgb(${bg.map(Math.round).join(',')})` });
  }
  return findings;
}
