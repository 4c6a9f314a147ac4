/* A draft FAQ for a trainer to review: its id, questions and answer in a small form, and a
 * button that downloads it as the YAML bot/data/ takes (POST /api/admin/insights/export).
 * The insights page drafts one per cluster and one per answer agents marked good.
 *
 *   card.appendChild(draftEditor(cluster.suggested_faq, "Draft FAQ for these questions"));
 */
import { h, toast } from "./dom.js";
import { checkedFetch } from "./state.js";

let editors = 0;  // numbers the fields, so each label names its own

/** The form for `draft` ({id, questions, answer}), titled `legend`. */
export function draftEditor(draft, legend) {
  const prefix = "draft-" + (++editors) + "-";
  const id = h("input", { id: prefix + "id", value: draft.id, spellcheck: "false", autocomplete: "off" });
  const questions = h("textarea", { id: prefix + "questions", rows: Math.min(8, draft.questions.length + 1) });
  questions.value = draft.questions.join("\n");
  const answer = h("textarea", { id: prefix + "answer", rows: 4 });
  answer.value = draft.answer;
  const kind = h("select", { id: prefix + "kind" }, [
    h("option", { value: "faq", text: "faq.yml entry" }),
    h("option", { value: "intent", text: "intent + story stub" }),
  ]);
  const edited = () => ({
    id: id.value.trim(),
    questions: questions.value.split("\n").map((line) => line.trim()).filter(Boolean),
    answer: answer.value.trim(),
  });
  return h("fieldset", { class: "draft" }, [
    h("legend", { text: legend }),
    h("label", { for: id.id, text: "FAQ id" }), id,
    h("label", { for: questions.id, text: "Questions (one per line)" }), questions,
    h("label", { for: answer.id, text: "Answer" }), answer,
    h("div", { class: "actions" }, [
      h("label", { for: kind.id, text: "Download as" }), kind,
      h("button", { type: "button", class: "primary", text: "Download YAML", onclick: () => download(edited(), kind.value) }),
    ]),
  ]);
}

function download(faq, kind) {
  checkedFetch("/api/admin/insights/export", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ faq, as: kind }),
  }).then((response) => response.blob()).then((blob) => {
    const link = h("a", { href: URL.createObjectURL(blob), download: faq.id + ".yml" });
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
    toast("Downloaded " + faq.id + ".yml: review it, add it to bot/data/, train.");
  }).catch((error) => toast(error.message, true));
}
