/* Attachments in the transcript: customers' screenshots inline, PDFs as downloads.
 * The gateway's own attachments (`/api/attachments/<id>`) are fetched with the agent's token
 * in the Authorization header (never in a URL) and shown from blob: URLs. */
import { h, toast } from "./dom.js";
import { fileSize, safeUrl } from "./format.js";
import { authorized } from "./state.js";

function isGatewayAttachment(src) {
  return typeof src === "string" && /^\/api\/attachments\/[A-Za-z0-9_-]+$/.test(src);
}

function fetchAttachment(src) {
  return authorized(src).then((response) => {
    if (!response.ok) throw new Error(response.status === 404 ? "The file no longer exists." : "The file could not be loaded (" + response.status + ").");
    return response.blob();
  });
}

function imageFigure(src, name, label) {
  const img = h("img", { class: "att-image", alt: "Customer's image: " + name });
  const open = h("a", { class: "att-open", target: "_blank", rel: "noopener noreferrer", title: "Open full size" }, [img]);
  const figure = h("figure", { class: "att", "data-kind": "image" }, [open, h("figcaption", { class: "muted", text: label })]);
  fetchAttachment(src).then((blob) => {
    const blobUrl = URL.createObjectURL(blob);
    img.src = blobUrl;
    open.href = blobUrl;
    figure.setAttribute("data-loaded", "true");
  }, (error) => {
    figure.replaceChild(h("p", { class: "muted", text: "Image not available: " + error.message }), open);
  });
  return figure;
}

function download(src, name) {
  fetchAttachment(src).then((blob) => {
    const blobUrl = URL.createObjectURL(blob);
    const save = h("a", { href: blobUrl, download: name, hidden: true });
    document.body.appendChild(save);
    save.click();
    document.body.removeChild(save);
    setTimeout(() => URL.revokeObjectURL(blobUrl), 10000);
  }, (error) => toast(error.message, true));
}

/** The node showing an entry's attachment, or null when there is none (or it is unsafe). */
export function attachmentNode(att) {
  const p = att && att.payload;
  if (!p) return null;
  const src = p.src || p.url;
  const name = String(p.name || p.title || (att.type === "image" ? "Image" : "Attachment"));
  const label = name + (p.size ? " (" + fileSize(p.size) + ")" : "");
  if (!isGatewayAttachment(src)) {          // e.g. an image the bot sent by URL
    const url = safeUrl(src);
    if (!url) return null;
    return att.type === "image" ? h("img", { src: url, alt: name })
      : h("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: name });
  }
  if (att.type === "image") return imageFigure(src, name, label);
  const link = h("a", { class: "att-file", href: "#", "data-kind": "file", download: name,
    "aria-label": "Download " + label, onclick: (event) => { event.preventDefault(); download(src, name); } },
  [h("span", { class: "att-kind", text: p.content_type === "application/pdf" ? "PDF" : "File" }), label]);
  return h("div", { class: "att" }, [link]);
}
