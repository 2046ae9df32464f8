/** The Links tab (writers): the Space's address and an embed snippet, its deep links and its share links. */
import type { Space } from "../../types";
import { CodeLine, Section } from "../../ui/misc";
import { DeepLinksSection } from "./deep-links";
import { embedSnippet } from "./links";
import { ShareLinksSection } from "./share-links";

export function LinksTab({ space }: { space: Space }) {
  return (
    <>
      <Section title="Address" id="pc-space-address">
        <p class="pc-muted">The Space's URL, and the HTML that embeds its app in another page.</p>
        <div data-testid="space-url">
          <CodeLine text={space.url} label="Copy URL" />
        </div>
        <div data-testid="embed-snippet">
          <CodeLine text={embedSnippet(space.url, space.title || space.name)} label="Copy embed code" />
        </div>
      </Section>
      <ShareLinksSection space={space} />
      <DeepLinksSection space={space} />
    </>
  );
}
