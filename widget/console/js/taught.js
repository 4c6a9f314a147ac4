/* The insights page's review list: replies agents marked as good answers (GET
 * /api/admin/taught), each with the customer's question, who marked it and when, and its
 * draft FAQ to edit and download. A reviewed one is cleared from the list (DELETE
 * /api/admin/taught/<conversation>/<reply>), for every admin. */
import { $, h, clear, toast } from "./dom.js";
import { checkedFetch } from "./state.js";
import { draftEditor } from "./draft.js";

/** Fetch the list and show it in #taught. */
export function loadTaught() {
  checkedFetch("/api/admin/taught")
    .then((response) => response.json())
    .then((answer) => {
      const list = $("taught");
      clear(list);
      answer.taught.forEach((item) => list.appendChild(taughtCard(item)));
      counted("No answers to review.");
    })
    .catch((error) => { clear($("taught")); counted(error.message); });
}

function counted(emptyNote) {
  const count = $("taught").children.length;
  $("taught-count").textContent = count;
  $("taught-note").textContent = count ? "" : emptyNote;
  $("taught-note").hidden = count > 0;
}

function taughtCard(item) {
  const marked = new Date(item.marked_at * 1000);
  const card = h("li", { class: "cluster", "data-reply": item.reply_id }, [
    h("h3", { tabindex: "-1", text: item.question }),
    h("dl", { class: "taught-facts" }, [
      h("dt", { text: "Agent's reply" }), h("dd", { text: item.answer }),
      h("dt", { text: "Marked by" }), h("dd", { text: item.agent_name || item.agent }),
      h("dt", { text: "Marked at" }),
      h("dd", {}, [h("time", { datetime: marked.toISOString(), text: marked.toLocaleString() })]),
    ]),
    draftEditor(item.suggested_faq, "Draft FAQ from this answer"),
  ]);
  card.appendChild(h("div", { class: "actions" }, [
    h("button", { type: "button", text: "Reviewed: clear from the list", onclick: (event) => clearItem(item, card, event.currentTarget) }),
  ]));
  return card;
}

function clearItem(item, card, button) {
  button.disabled = true;
  const path = "/api/admin/taught/" + encodeURIComponent(item.conversation_id) + "/" + encodeURIComponent(item.reply_id);
  checkedFetch(path, { method: "DELETE" }).then(() => {
    const next = card.nextElementSibling || card.previousElementSibling;
    card.remove();
    counted("No answers to review.");
    (next ? next.querySelector("h3") : $("taught-title")).focus();
    toast("Cleared from the review list.");
  }).catch((error) => { button.disabled = false; toast(error.message, true); });
}
