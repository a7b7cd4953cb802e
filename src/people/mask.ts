/** "Nguyễn Văn An" → "NGUYỄN V. A.": enough for a family to recognise, not to identify. */
export function maskName(fullName: string): string {
  const parts = fullName.trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) return '';
  const [family, ...rest] = parts;
  return [family!.toLocaleUpperCase('vi-VN'), ...rest.map((p) => `${p[0]!.toLocaleUpperCase('vi-VN')}.`)].join(' ');
}
