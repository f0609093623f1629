/// Plain-text tables for people: columns padded to their widest cell, two spaces apart, the last
/// column left ragged so long values do not pad every line.
public enum TextTable {
    public static func render(header: [String], rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ cells: [String]) -> String {
            var text = ""
            for (index, cell) in cells.enumerated() {
                if index == cells.count - 1 {
                    text += cell
                } else {
                    text += cell.padding(toLength: widths[index], withPad: " ", startingAt: 0) + "  "
                }
            }
            // An empty last cell would leave the padding of the one before it.
            while text.last == " " { text.removeLast() }
            return text
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}
