import type { AppValue } from './properties.js';

export interface ExternalRelationship {
  /** The part the relationship belongs to ('/' for the package). */
  source_part: string;
  id: string;
  /** Last segment of the type URI (`attachedTemplate`, `oleObject`, `hyperlink`, ...). */
  type: string;
  type_uri: string;
  target: string;
  /** remote_template, ole_object_link, remote_image, hyperlink, remote_frame, remote_subdocument, external_workbook, remote_media or other. */
  category: string;
}

export interface OoxmlResult {
  /** 'word', 'excel', 'powerpoint', or null when the main part's content type says none of them. */
  document_type: string | null;
  main_part: string | null;
  main_content_type: string | null;
  macro_enabled: boolean;
  has_vba_project: boolean;
  vba_project_parts: string[];
  /** Excel 4.0 (XLM) macro sheets and international macro sheets. */
  macro_sheets: string[];
  activex_parts: number;
  /** Parts under an embeddings/ folder (OLE objects, packages, other documents). */
  embedded_parts: string[];
  core_properties: Record<string, string>;
  app_properties: Record<string, AppValue>;
  custom_properties: Record<string, string>;
  member_count: number;
  relationship_parts: number;
  relationship_count: number;
  external_relationships: ExternalRelationship[];
  /** The categories of external relationships other than hyperlinks, once each, sorted. */
  flags: string[];
}
