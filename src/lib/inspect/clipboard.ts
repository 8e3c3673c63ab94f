// Copying for the copy buttons. navigator.clipboard exists only in secure contexts (https or
// localhost), like Web Crypto; without it the text is selected so the reader can copy it.

/** Copies `text`; on failure selects `fallback`'s contents and resolves false. */
export async function copyText(text: string, fallback?: Element): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (fallback) getSelection()?.selectAllChildren(fallback);
    return false;
  }
}
