/** Placeholder: replaced by the page's owner. */
export function HomePage() {
  return <p>HomePage</p>;
}
