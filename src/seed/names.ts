/** Vietnamese (and, for the Mekong delta, Khmer) names for demo people. */
import type { Random } from './random.js';
import type { Gender } from '../people/id-number.js';

const FAMILY: [string, number][] = [
  ['Nguyễn', 38], ['Trần', 11], ['Lê', 9.5], ['Phạm', 7], ['Huỳnh', 5], ['Hoàng', 2], ['Phan', 4.5],
  ['Vũ', 2], ['Võ', 4], ['Đặng', 2], ['Bùi', 2], ['Đỗ', 1.5], ['Hồ', 1.5], ['Ngô', 1.3], ['Dương', 1],
  ['Lý', 0.8], ['Trương', 1], ['Đinh', 0.6], ['Lâm', 0.8], ['Mai', 0.5], ['Tô', 0.4], ['Châu', 0.4],
  ['Tạ', 0.3], ['Cao', 0.4], ['Lương', 0.4], ['Đoàn', 0.5], ['Thái', 0.3], ['La', 0.3],
];
const MIDDLE_M = ['Văn', 'Văn', 'Văn', 'Hữu', 'Minh', 'Thanh', 'Quốc', 'Công', 'Đức', 'Hoàng', 'Ngọc', 'Tấn', 'Thành', 'Phước', 'Trung'];
const MIDDLE_F = ['Thị', 'Thị', 'Thị', 'Thị', 'Ngọc', 'Thanh', 'Kim', 'Mỹ', 'Thu', 'Bích', 'Hồng', 'Diễm', 'Phương', 'Thúy'];
const GIVEN_M = ['An', 'Bình', 'Cường', 'Dũng', 'Đạt', 'Hải', 'Hiếu', 'Hùng', 'Huy', 'Khang', 'Khoa', 'Lâm', 'Lộc', 'Long', 'Minh', 'Nam', 'Nghĩa', 'Nhân', 'Phát', 'Phong', 'Phúc', 'Quang', 'Sang', 'Sơn', 'Tài', 'Tâm', 'Thắng', 'Thành', 'Thiện', 'Thịnh', 'Toàn', 'Trí', 'Trung', 'Tuấn', 'Việt', 'Vinh', 'Vũ', 'Hậu', 'Tùng', 'Lợi'];
const GIVEN_F = ['Anh', 'Bích', 'Châu', 'Diễm', 'Dung', 'Giang', 'Hà', 'Hạnh', 'Hằng', 'Hoa', 'Hồng', 'Huệ', 'Hương', 'Lan', 'Liên', 'Linh', 'Loan', 'Mai', 'My', 'Nga', 'Ngân', 'Ngọc', 'Nhung', 'Oanh', 'Phượng', 'Quyên', 'Thảo', 'Thu', 'Thủy', 'Trang', 'Trinh', 'Tuyết', 'Uyên', 'Vân', 'Xuân', 'Yến', 'Nhi', 'Tiên', 'Cúc', 'Lệ'];
const KHMER_FAMILY = ['Thạch', 'Sơn', 'Danh', 'Kim', 'Lâm', 'Lý', 'Trần', 'Triệu'];
const KHMER_GIVEN_M = ['Sóc', 'Phol', 'Sa Rươl', 'Sóc Kha', 'Rinh', 'Som', 'Chanh', 'Sang', 'Đa Ra', 'Sô Phal'];
const KHMER_GIVEN_F = ['Thị Sa Ly', 'Thị Sô Phi', 'Thị Mỹ Linh', 'Thị Sen', 'Thị Sa Rum', 'Thị Chanh Thu', 'Thị Ni', 'Thị Sóc'];

export interface NameOptions {
  gender: Gender;
  /** Share of Khmer names (Sóc Trăng has a large Khmer community). */
  khmerShare?: number;
  family?: string;
}

export function familyName(r: Random, khmerShare = 0): string {
  return r.chance(khmerShare) ? r.pick(KHMER_FAMILY) : r.weighted(FAMILY);
}

export function fullName(r: Random, opts: NameOptions): string {
  if (!opts.family && r.chance(opts.khmerShare ?? 0)) {
    const fam = r.pick(KHMER_FAMILY);
    return `${fam} ${opts.gender === 'M' ? r.pick(KHMER_GIVEN_M) : r.pick(KHMER_GIVEN_F)}`;
  }
  const fam = opts.family ?? r.weighted(FAMILY);
  const middle = opts.gender === 'M' ? r.pick(MIDDLE_M) : r.pick(MIDDLE_F);
  const given = opts.gender === 'M' ? r.pick(GIVEN_M) : r.pick(GIVEN_F);
  return `${fam} ${middle} ${given}`;
}
