/** The shape of the lnk plugin's results (documented in README.md). */

export interface LnkHeader {
  link_flags: string[];
  link_flags_value: number;
  file_attributes: string[];
  file_attributes_value: number;
  /** ISO-8601 UTC with the FILETIME's 100 ns digits; null when the field is 0. */
  creation_time: string | null;
  access_time: string | null;
  write_time: string | null;
  file_size: number;
  icon_index: number;
  show_command: string;
  show_command_value: number;
  /** "CTRL+ALT+F", or null when no hotkey is set. */
  hotkey: string | null;
  hotkey_value: number;
}

export interface LnkIdItem {
  /** Class type indicator (the item's first byte). */
  class_type: number;
  /** root, volume, file, directory, network, uri, control_panel, or unknown. */
  kind: string;
  /** The name where the item type makes it simple: the CLSID's folder, the drive, the file's 8.3 and long names. */
  name: string | null;
  long_name?: string | null;
  clsid?: string;
  size: number;
}

export interface LnkLinkInfo {
  flags: number;
  drive_type: string | null;
  drive_serial_number: string | null;
  volume_label: string | null;
  local_base_path: string | null;
  net_name: string | null;
  device_name: string | null;
  network_provider_type: string | null;
  common_path_suffix: string | null;
}

export interface LnkTracker {
  machine_id: string;
  droid_volume_id: string;
  droid_file_id: string;
  birth_droid_volume_id: string;
  birth_droid_file_id: string;
  /** The node (MAC address) of the file droid when it is a version-1 UUID, else null. */
  mac_address: string | null;
}

export interface LnkExtraBlock {
  signature: string;
  name: string;
  size: number;
}

export interface LnkResult {
  header: LnkHeader;
  target_id_list: LnkIdItem[] | null;
  link_info: LnkLinkInfo | null;
  /** The target: LinkInfo's local base path (or network share) joined with its common path suffix. */
  target_path: string | null;
  name: string | null;
  relative_path: string | null;
  working_directory: string | null;
  arguments: string | null;
  icon_location: string | null;
  extra_data: LnkExtraBlock[];
  tracker: LnkTracker | null;
  environment: string | null;
  icon_environment: string | null;
  darwin: string | null;
  known_folder: { id: string; name: string | null; offset: number } | null;
  special_folder: { id: number; name: string | null; offset: number } | null;
  console_code_page: number | null;
  shim_layer: string | null;
}
