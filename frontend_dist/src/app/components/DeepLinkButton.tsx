/** DeepLinkButton: saves a snapshot of the app and copies `APP_URL?deep_link=ID` (placeholder: a Button). */
import type { BlockProps } from "../types";
import { Button } from "./Button";

export function DeepLinkButton(p: BlockProps) {
  return <Button {...p} />;
}
