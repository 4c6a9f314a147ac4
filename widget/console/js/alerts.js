/* Alerts: a beep and a flashing title on new handoffs; the waiting count in the title. */
import { state } from "./state.js";

const BASE_TITLE = document.title;

export const alerts = {
  audio: null, soundOn: true, flashing: null, count: 0,
  unlock() {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!this.audio && Ctx) { try { this.audio = new Ctx(); } catch (e) { this.audio = null; } }
    if (this.audio && this.audio.state === "suspended") this.audio.resume();
  },
  beep() {
    if (!this.soundOn || !this.audio) return;
    const ctx = this.audio, now = ctx.currentTime;
    [0, 0.18].forEach((offset, i) => {
      const osc = ctx.createOscillator(), gain = ctx.createGain();
      osc.type = "sine";
      osc.frequency.value = i ? 1175 : 880;
      gain.gain.setValueAtTime(0.0001, now + offset);
      gain.gain.exponentialRampToValueAtTime(0.25, now + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + offset + 0.16);
      osc.connect(gain).connect(ctx.destination);
      osc.start(now + offset);
      osc.stop(now + offset + 0.17);
    });
  },
  notify(message) {
    this.count += 1;
    document.body.setAttribute("data-alerts", String(this.count)); // visible to tests
    this.beep();
    this.flash(message);
  },
  flash(message) {
    let on = false, rounds = 0;
    clearInterval(this.flashing);
    this.flashing = setInterval(() => {
      on = !on;
      rounds += 1;
      document.title = on ? "\u2709 " + message : titleWithCount();
      // Keep flashing while the tab is in the background; a few times when it is seen.
      if (rounds >= 6 && document.hasFocus() && document.visibilityState === "visible") this.stopFlash();
    }, 900);
  },
  stopFlash() {
    clearInterval(this.flashing);
    this.flashing = null;
    document.title = titleWithCount();
  },
  /** The title shows the count, unless it is flashing a new alert right now. */
  refreshTitle() {
    if (!this.flashing) document.title = titleWithCount();
  },
};

function titleWithCount() {
  return (state.queue.length ? "(" + state.queue.length + ") " : "") + BASE_TITLE;
}

export function initAlerts() {
  window.addEventListener("focus", () => { if (alerts.flashing) setTimeout(() => alerts.stopFlash(), 2500); });
  document.addEventListener("click", () => alerts.unlock(), { once: true });
}
