/** Entry of the team console: the theme before the first paint, then the shell. */
import { render } from "preact";
import { Console } from "./app";
import { applyTheme, storedTheme } from "./theme";
import "./console.css";

applyTheme(storedTheme());
matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => applyTheme(storedTheme()));

const root = document.getElementById("console");
if (root) render(<Console />, root);
