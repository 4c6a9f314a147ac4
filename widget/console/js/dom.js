/* Tiny DOM helpers: every piece of text goes in as a text node, never parsed as HTML. */

export function $(id) { return document.getElementById(id); }

/** Element with attributes; string children become text nodes (never parsed as HTML). */
export function h(tag, attrs, children) {
  const node = document.createElement(tag);
  Object.keys(attrs || {}).forEach((key) => {
    const value = attrs[key];
    if (value === null || value === undefined || value === false) return;
    if (key === "text") node.textContent = value;
    else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  });
  (children || []).forEach((child) => {
    if (child === null || child === undefined || child === false) return;
    node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  });
  return node;
}

export function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

/** A short message in the corner; errors stay a little longer. */
export function toast(message, bad) {
  const node = h("div", { class: "toast" + (bad ? " bad" : ""), text: message });
  $("toasts").appendChild(node);
  setTimeout(() => { if (node.parentNode) node.parentNode.removeChild(node); }, bad ? 6000 : 3500);
}
