/**
 * Which Preact component renders each config `type` (`textbox`, `row`, ...). A type with no entry renders
 * FallbackBlock (an empty `pd-block` that keeps its children), so an app never fails to render.
 * The components' owner edits only the section below: one import per component file, one entry per type.
 */
import type { ComponentType } from "preact";
import { FallbackBlock } from "./runtime/fallback";
import type { BlockProps } from "./types";

export type BlockComponent = ComponentType<BlockProps>;

// ==== register here ==============================================================================
import { Accordion } from "./components/Accordion";
import { BlocksContainer } from "./components/BlocksContainer";
import { Button } from "./components/Button";
import { Chatbot } from "./components/Chatbot";
import { Checkbox } from "./components/Checkbox";
import { CheckboxGroup } from "./components/CheckboxGroup";
import { Code } from "./components/Code";
import { ColorPicker } from "./components/ColorPicker";
import { Column } from "./components/Column";
import { Dataset } from "./components/Dataset";
import { DeepLinkButton } from "./components/DeepLinkButton";
import { DownloadButton } from "./components/DownloadButton";
import { Dropdown } from "./components/Dropdown";
import { FileInput } from "./components/FileInput";
import { Form } from "./components/Form";
import { Group } from "./components/Group";
import { Html } from "./components/Html";
import { Json } from "./components/Json";
import { Label } from "./components/Label";
import { Markdown } from "./components/Markdown";
import { NumberInput } from "./components/NumberInput";
import { Radio } from "./components/Radio";
import { Row } from "./components/Row";
import { Slider } from "./components/Slider";
import { State } from "./components/State";
import { TabItem } from "./components/TabItem";
import { Tabs } from "./components/Tabs";
import { Textbox } from "./components/Textbox";
import { UploadButton } from "./components/UploadButton";
import "./styles/theme.css";
import "./styles/layout.css";
import "./styles/components.css";

const registered: Record<string, BlockComponent> = {
  accordion: Accordion,
  blocks: BlocksContainer,
  button: Button,
  chatbot: Chatbot,
  checkbox: Checkbox,
  checkboxgroup: CheckboxGroup,
  clearbutton: Button,
  code: Code,
  colorpicker: ColorPicker,
  column: Column,
  dataset: Dataset,
  deeplinkbutton: DeepLinkButton,
  downloadbutton: DownloadButton,
  dropdown: Dropdown,
  file: FileInput,
  form: Form,
  group: Group,
  html: Html,
  json: Json,
  label: Label,
  markdown: Markdown,
  number: NumberInput,
  radio: Radio,
  row: Row,
  slider: Slider,
  state: State,
  tabitem: TabItem,
  tabs: Tabs,
  textbox: Textbox,
  uploadbutton: UploadButton,
};
// ==== end of registrations =======================================================================

export function resolveComponent(type: string): BlockComponent {
  return registered[type] ?? FallbackBlock;
}

export function isRegistered(type: string): boolean {
  return Object.prototype.hasOwnProperty.call(registered, type);
}
