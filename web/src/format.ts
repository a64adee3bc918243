/** Number formatting shared by the list, the header and the panels. */

export const price = (value: number, digits: number) => value.toFixed(digits);

export function percent(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '–';
  return `${value > 0 ? '+' : ''}${value.toFixed(2)}%`;
}

/** 'up', 'down' or '' by the sign: the class that colours a change. */
export const direction = (value: number | null) => (value === null || value === 0 ? '' : value > 0 ? 'up' : 'down');

/** An element with a class and text, the one DOM helper the page needs. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', text = ''): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}
