/** State: holds a value for the session and shows nothing. */
export function State() {
  return null;
}
