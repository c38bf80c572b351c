// Fills index.html's fixed texts from texts.js: `data-text` names an element's content, `data-label` its
// aria-label. A text is a string, or an array of strings and `{ kbd }` keys.

import { TEXTS } from './texts.js';

/** The nodes of one text: strings as text, `{ kbd: 'X' }` as a <kbd> element. */
export function textNodes(document, value) {
  const parts = Array.isArray(value) ? value : [value];
  return parts.map((part) => {
    if (typeof part === 'string') return document.createTextNode(part);
    const key = document.createElement('kbd');
    key.textContent = part.kbd;
    return key;
  });
}

/** The plain reading of a text, for attributes. */
export function plainText(value) {
  const parts = Array.isArray(value) ? value : [value];
  return parts.map((part) => (typeof part === 'string' ? part : part.kbd)).join('');
}

/** Fills every `[data-text]` and `[data-label]` under `root`; names without a text are left as they are. */
export function fillPageTexts(root, texts = TEXTS.page) {
  const document = root.ownerDocument || root;
  for (const element of root.querySelectorAll('[data-text]')) {
    const value = texts[element.dataset.text];
    if (value !== undefined) element.replaceChildren(...textNodes(document, value));
  }
  for (const element of root.querySelectorAll('[data-label]')) {
    const value = texts[element.dataset.label];
    if (value !== undefined) element.setAttribute('aria-label', plainText(value));
  }
}
