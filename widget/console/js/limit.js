/* The reply box's length limit: the gateway's MAX_MESSAGE_CHARS (sign-in tells it). A
 * counter shows from 80% of it; past it the text is refused in words, never cut.
 *
 *   const limit = new LengthLimit(textarea, "limit-c1");   // place limit.counter, limit.note
 *   if (!limit.check(true)) return;                          // over: the note says why
 */
import { h } from "./dom.js";
import { state } from "./state.js";

const DEFAULT_MAX = 2000; // a session saved before the gateway told its limit

/** Characters as the gateway counts them: code points (an emoji is one). */
const charCount = (text) => [...text].length;

export class LengthLimit {
  constructor(input, noteId) {
    this.input = input;
    this.counter = h("div", { class: "count", hidden: true, "aria-hidden": "true" });
    this.note = h("p", { id: noteId, class: "limit", role: "alert", hidden: true });
    input.setAttribute("aria-describedby", noteId);
  }

  get max() { return (state.session && state.session.maxMessageChars) || DEFAULT_MAX; }

  /** Update the counter; `refuse`: say why the text is not sent. False when it is too long. */
  check(refuse) {
    const max = this.max;
    const count = charCount(this.input.value.trim());
    const over = count > max;
    this.counter.hidden = count < max * 0.8;
    this.counter.textContent = `${count.toLocaleString()} / ${max.toLocaleString()}`;
    this.counter.classList.toggle("over", over);
    this.input.setAttribute("aria-invalid", String(over));
    if (refuse && over) {
      this.note.textContent = `Not sent: your message has ${count.toLocaleString()} characters; ` +
        `the limit is ${max.toLocaleString()}. Shorten it by ${(count - max).toLocaleString()} or send it in parts.`;
    }
    if (!over) this.note.textContent = "";
    this.note.hidden = !this.note.textContent;
    return !over;
  }
}
