/** The Links tab's logic, free of the DOM: deep-link URLs, the embed snippet, share-link lifetimes, and lists
 * of several pages. */

/** What a share link may last (the API takes 60 s to 7 days). */
export const LIFETIMES: readonly { value: string; label: string }[] = [
  { value: "3600", label: "1 hour" },
  { value: "86400", label: "1 day" },
  { value: "604800", label: "7 days" },
];
export const DEFAULT_LIFETIME = "86400";

/** The URL that opens the Space's app as deep link `id` saved it: SPACE_URL/?deep_link=ID. */
export function deepLinkUrl(spaceUrl: string, id: string): string {
  return `${spaceUrl.replace(/\/+$/, "")}/?deep_link=${encodeURIComponent(id)}`;
}

function attribute(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** An `<iframe>` that embeds the Space's app in another page. */
export function embedSnippet(spaceUrl: string, title: string): string {
  return `<iframe src="${attribute(spaceUrl)}" title="${attribute(title)}" width="100%" height="600" style="border:0" allow="clipboard-write"></iframe>`;
}

/** `first` then those of `more` it does not hold (pages fetched later may repeat items that moved). */
export function mergeById<T extends { id: string }>(first: T[], more: T[]): T[] {
  const seen = new Set(first.map((item) => item.id));
  return first.concat(more.filter((item) => !seen.has(item.id) && (seen.add(item.id), true)));
}

/** "3 labels" made readable: the first few, then how many more. */
export function labelsText(labels: string[], shown = 3): string {
  if (labels.length <= shown) return labels.join(", ");
  return `${labels.slice(0, shown).join(", ")} and ${labels.length - shown} more`;
}
