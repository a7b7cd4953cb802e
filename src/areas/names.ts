/** "Xã Tân Bình" → "xã Tân Bình": a unit's name inside a sentence, as Vietnamese writes it. */
export function inSentence(name: string): string {
  return name.replace(/(^|,\s*)(Thành phố|Thị trấn|Thị xã|Xã|Phường|Huyện|Quận|Tỉnh)(?= )/g, (_m, sep: string, kind: string) => sep + kind.toLocaleLowerCase('vi-VN'));
}
