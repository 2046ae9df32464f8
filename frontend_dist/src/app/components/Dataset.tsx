/** Dataset: the examples table. Clicking a row (or Enter/Space on it) sets the value to the row's index and
 * fires `click` and `select`; the Interface's hidden handler then fills the inputs. */
import { useState } from "preact/hooks";
import type { BlockProps } from "../types";
import { Block } from "./Block";
import { FieldLabel } from "./FieldLabel";
import { text } from "./format";

export function Dataset(p: BlockProps) {
  const { props, id } = p;
  const samples = Array.isArray(props.samples) ? (props.samples as unknown[][]) : [];
  const headers = Array.isArray(props.headers) ? (props.headers as unknown[]).map(text) : [];
  const sampleLabels = Array.isArray(props.sample_labels) ? (props.sample_labels as unknown[]).map(text) : null;
  const perPage = typeof props.samples_per_page === "number" && props.samples_per_page > 0 ? props.samples_per_page : 10;
  const pages = Math.max(1, Math.ceil(samples.length / perPage));
  const [page, setPage] = useState(0);
  const first = Math.min(page, pages - 1) * perPage;
  const rows = samples.slice(first, first + perPage);
  const pick = (index: number) => {
    p.setValue(index);
    p.emit("click", index);
    p.emit("select", { index, value: samples[index] });
  };
  const showHead = !sampleLabels && headers.some((h) => h !== "");
  return (
    <Block block={p}>
      <FieldLabel id={id} props={props} fallback="Examples" forInput={false} />
      <div class="pd-dataset-scroll">
        <table class="pd-dataset-table" aria-labelledby={`label-${id}`}>
          {showHead ? (
            <thead>
              <tr>
                {headers.map((h, i) => (
                  <th key={i}>{h}</th>
                ))}
              </tr>
            </thead>
          ) : null}
          <tbody>
            {rows.map((row, k) => {
              const index = first + k;
              const cells = sampleLabels ? [sampleLabels[index] ?? ""] : (Array.isArray(row) ? row : [row]).map(text);
              return (
                <tr
                  class="pd-sample"
                  key={index}
                  tabIndex={0}
                  data-index={String(index)}
                  onClick={() => pick(index)}
                  onKeyDown={(e) => {
                    if (e.key === "Enter" || e.key === " ") {
                      e.preventDefault();
                      pick(index);
                    }
                  }}
                >
                  {cells.map((c, i) => (
                    <td key={i}>{c}</td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {pages > 1 ? (
        <nav class="pd-pages" aria-label="Example pages">
          {Array.from({ length: pages }, (_, i) => (
            <button
              type="button"
              class="pd-page"
              key={i}
              aria-current={i === page ? "page" : undefined}
              onClick={() => setPage(i)}
            >
              {String(i + 1)}
            </button>
          ))}
        </nav>
      ) : null}
    </Block>
  );
}
