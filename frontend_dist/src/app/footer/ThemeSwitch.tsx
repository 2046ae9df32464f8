import { useState } from "preact/hooks";
import { applyTheme, readTheme, type ThemeChoice } from "./theme";

/** A select for light / dark / system; the choice is stored and set as `html[data-theme]`. */
export function ThemeSwitch() {
  const [choice, setChoice] = useState<ThemeChoice>(readTheme);
  return (
    <label class="pd-theme-switch">
      <span>Theme</span>
      <select
        value={choice}
        onChange={(e) => {
          const next = (e.currentTarget as HTMLSelectElement).value as ThemeChoice;
          applyTheme(next);
          setChoice(next);
        }}
      >
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}
