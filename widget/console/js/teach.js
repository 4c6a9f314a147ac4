/* "Good answer": on an agent's own reply, puts it and the customer's question before it on
 * the trainers' review list (`mark_good_answer`, docs/protocol.md), so the bot can learn it. */
import { h, toast } from "./dom.js";
import { state } from "./state.js";
import { emit } from "./socket.js";

/** The button for `entry`, or null when it is not this agent's own reply. */
export function teachButton(conversationId, entry) {
  if (entry.role !== "agent" || !entry.id || !state.session || entry.username !== state.session.username) {
    return null;
  }
  const button = h("button", { type: "button", class: "teach", "data-action": "mark-good-answer",
    title: "Suggest this reply to the trainers as the bot's answer to the customer's question",
    text: "Good answer" });
  button.addEventListener("click", () => {
    button.disabled = true;
    emit("mark_good_answer", { conversation_id: conversationId, reply_id: entry.id }, (reply) => {
      if (!reply.ok) {
        button.disabled = false;
        toast(reply.message || "Not marked.", true);
        return;
      }
      button.textContent = "Marked as a good answer";
      button.classList.add("marked");
      toast("Thanks: the trainers will review it for the bot.");
    });
  });
  return button;
}
