/**
 * The API key the page sends (issue 14). It lives in sessionStorage: this tab only, gone when the
 * tab closes, never written to disk with the rest of the site's data. It comes from the form below
 * or from a link `http://host:4000/#key=<api key>`, which an operator can hand out.
 */
const STORAGE_KEY = 'marketgraph.apiKey';
// Longer than any API key (67 characters) or usual JWT; a longer value is not a credential.
const MAX_KEY_LENGTH = 8_192;

export const apiKey = (): string | null => sessionStorage.getItem(STORAGE_KEY);

/**
 * Takes a key from `#key=…` and removes it from the address bar and this history entry, so it is
 * not left on screen, in a bookmark or in a shared screenshot.
 */
export function takeKeyFromFragment(): void {
  const match = /^#key=(.*)$/.exec(location.hash);
  if (!match) return;
  let key = '';
  try {
    key = decodeURIComponent(match[1]!).trim();
  } catch {
    // Malformed percent-encoding: no key, and the fragment still goes.
  }
  if (key && key.length <= MAX_KEY_LENGTH) sessionStorage.setItem(STORAGE_KEY, key);
  history.replaceState(null, '', location.pathname + location.search);
}

/** How the gateway refused the page: an HTTP status (401, 403) or a WebSocket close code (4401, 4403). */
export class Refused extends Error {
  constructor(
    readonly code: number,
    message: string,
    /** Whether the refused request carried a key (else the gateway asked for one). */
    readonly keySent: boolean,
  ) {
    super(message);
  }
}

/** The sentence the page shows for a refusal: what was refused, how, and the gateway's reason. */
export function explain(refused: Refused): string {
  const how = refused.code >= 4000 ? `the live tick connection was closed with ${refused.code}` : `HTTP ${refused.code}`;
  if (!refused.keySent) return `This gateway needs an API key (${how}). Ask its operator for a key with the read role.`;
  const what = refused.code === 403 ? 'The API key was refused: it lacks a role this page needs' : 'The API key was refused';
  return `${what} (${how})${refused.message ? `: ${refused.message}` : '.'}`;
}

/**
 * Shows the key form with `reason`. The key that was refused is forgotten; a key entered is kept
 * for the tab and the page starts again with it (every request and the socket then carry it).
 */
export function askForKey(reason: string): void {
  sessionStorage.removeItem(STORAGE_KEY);
  const dialog = document.getElementById('credentials') as HTMLDialogElement;
  const form = dialog.querySelector('form')!;
  const input = dialog.querySelector<HTMLInputElement>('#api-key')!;
  input.maxLength = MAX_KEY_LENGTH;
  dialog.querySelector('#credentials-reason')!.textContent = reason;
  form.onsubmit = (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    sessionStorage.setItem(STORAGE_KEY, key);
    location.reload();
  };
  if (!dialog.open) dialog.showModal();
  input.focus();
}
