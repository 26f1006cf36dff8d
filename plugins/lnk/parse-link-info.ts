import type { LnkLinkInfo } from './lnk-result.js';
import { driveTypeName, networkProviderName } from './names.js';
import type { Reader } from './reader.js';

/** The LinkInfo structure at `offset`: volume, local base path, network share, common path suffix. */
export function parseLinkInfo(r: Reader, offset: number, problems: string[]): { info: LnkLinkInfo; end: number } {
  const size = r.u32(offset, 'LinkInfoSize');
  const headerSize = r.u32(offset + 4, 'LinkInfoHeaderSize');
  const end = offset + size;
  if (size < 0x1c) throw new Error(`LinkInfoSize ${size} is smaller than its own header (28 bytes)`);
  if (end > r.size) problems.push(`LinkInfo (${size} bytes at offset ${offset}) runs past the end of the file`);
  const flags = r.u32(offset + 8, 'LinkInfoFlags');
  const field = (rel: number, what: string) => r.u32(offset + rel, what);
  const volumeOff = field(12, 'VolumeIDOffset');
  const baseOff = field(16, 'LocalBasePathOffset');
  const netOff = field(20, 'CommonNetworkRelativeLinkOffset');
  const suffixOff = field(24, 'CommonPathSuffixOffset');
  const wide = headerSize >= 0x24;
  const baseOffW = wide ? field(28, 'LocalBasePathOffsetUnicode') : 0;
  const suffixOffW = wide ? field(32, 'CommonPathSuffixOffsetUnicode') : 0;
  const limit = Math.min(end, r.size);
  /** A string inside LinkInfo at a relative offset, or null (with a problem) when it points outside. */
  const str = (rel: number, what: string, unicode: boolean): string | null => {
    if (rel === 0) return null;
    if (offset + rel >= limit) {
      problems.push(`LinkInfo ${what} offset ${rel} points outside the LinkInfo structure`);
      return null;
    }
    return unicode ? r.utf16z(offset + rel, limit, what) : r.ansiz(offset + rel, limit, what);
  };

  const info: LnkLinkInfo = {
    flags,
    drive_type: null,
    drive_serial_number: null,
    volume_label: null,
    local_base_path: null,
    net_name: null,
    device_name: null,
    network_provider_type: null,
    common_path_suffix: suffixOffW ? str(suffixOffW, 'CommonPathSuffixUnicode', true) : str(suffixOff, 'CommonPathSuffix', false),
  };
  if (flags & 1) {
    info.local_base_path = baseOffW ? str(baseOffW, 'LocalBasePathUnicode', true) : str(baseOff, 'LocalBasePath', false);
    const v = offset + volumeOff;
    if (volumeOff === 0 || v + 16 > limit) problems.push(`LinkInfo VolumeID offset ${volumeOff} points outside the LinkInfo structure`);
    else {
      const volumeEnd = Math.min(limit, v + r.u32(v, 'VolumeIDSize'));
      info.drive_type = driveTypeName(r.u32(v + 4, 'DriveType'));
      info.drive_serial_number = `0x${r
        .u32(v + 8, 'DriveSerialNumber')
        .toString(16)
        .padStart(8, '0')}`;
      const labelOff = r.u32(v + 12, 'VolumeLabelOffset');
      const unicodeLabel = labelOff === 0x14;
      const labelAt = v + (unicodeLabel ? r.u32(v + 16, 'VolumeLabelOffsetUnicode') : labelOff);
      if (labelAt >= volumeEnd) problems.push(`VolumeID label offset points outside the VolumeID structure`);
      else info.volume_label = unicodeLabel ? r.utf16z(labelAt, volumeEnd, 'VolumeLabelUnicode') : r.ansiz(labelAt, volumeEnd, 'VolumeLabel');
    }
  }
  if (flags & 2) {
    const n = offset + netOff;
    if (netOff === 0 || n + 20 > limit) problems.push(`LinkInfo CommonNetworkRelativeLink offset ${netOff} points outside the LinkInfo structure`);
    else {
      const netEnd = Math.min(limit, n + r.u32(n, 'CommonNetworkRelativeLinkSize'));
      const netFlags = r.u32(n + 4, 'CommonNetworkRelativeLinkFlags');
      const nameOff = r.u32(n + 8, 'NetNameOffset');
      const deviceOff = r.u32(n + 12, 'DeviceNameOffset');
      const unicode = nameOff > 0x14;
      const read = (rel: number, what: string) => {
        if (n + rel >= netEnd) {
          problems.push(`${what} offset ${rel} points outside the CommonNetworkRelativeLink structure`);
          return null;
        }
        return unicode ? r.utf16z(n + rel, netEnd, what) : r.ansiz(n + rel, netEnd, what);
      };
      info.net_name = read(unicode ? r.u32(n + 20, 'NetNameOffsetUnicode') : nameOff, 'NetName');
      if (netFlags & 1) info.device_name = read(unicode ? r.u32(n + 24, 'DeviceNameOffsetUnicode') : deviceOff, 'DeviceName');
      if (netFlags & 2) info.network_provider_type = networkProviderName(r.u32(n + 16, 'NetworkProviderType'));
    }
  }
  return { info, end };
}

/** The full target path LinkInfo describes, as Windows forms it. */
export function targetPath(info: LnkLinkInfo): string | null {
  const suffix = info.common_path_suffix ?? '';
  if (info.local_base_path !== null) return info.local_base_path + suffix;
  if (info.net_name !== null) return suffix ? `${info.net_name}\\${suffix}` : info.net_name;
  return null;
}
