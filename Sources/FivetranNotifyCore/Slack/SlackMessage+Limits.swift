extension SlackMessage {
    /// The characters Slack counts against its limits for one block: header text, section text and
    /// fields, context elements (UTF-16 units, see `Mrkdwn.length`).
    static func textLength(of block: JSONValue) -> Int {
        var total = 0
        if let text = block["text"]?["text"]?.stringValue {
            total += Mrkdwn.length(text)
        }
        for field in block["fields"]?.arrayValue ?? [] {
            total += Mrkdwn.length(field["text"]?.stringValue ?? "")
        }
        for element in block["elements"]?.arrayValue ?? [] {
            total += Mrkdwn.length(element["text"]?.stringValue ?? "")
        }
        return total
    }

    /// The message made to satisfy every limit of `SlackLimits`. The renderers lay messages out within
    /// the limits already; this is the last guard, so that no input can yield a message Slack refuses.
    func fittingLimits() -> SlackMessage {
        var blocks = self.blocks.map(Self.clampedBlock)
        func total(_ blocks: [JSONValue]) -> Int { blocks.reduce(0) { $0 + Self.textLength(of: $1) } }
        if blocks.count > SlackLimits.blocks || total(blocks) > SlackLimits.allBlocksText {
            // Drop blocks from the end, keeping the closing context (it holds the link), and say so.
            let notice = Self.section("_… shortened to fit Slack's limits_")
            var tail = [notice]
            if let last = blocks.last, last["type"]?.stringValue == "context" {
                blocks.removeLast()
                if Self.textLength(of: last) + Self.textLength(of: notice) <= SlackLimits.allBlocksText {
                    tail.append(last)
                }
            }
            let reserved = total(tail)
            while !blocks.isEmpty
                && (blocks.count + tail.count > SlackLimits.blocks
                    || total(blocks) + reserved > SlackLimits.allBlocksText)
            {
                blocks.removeLast()
            }
            blocks += tail
        }
        let flatText = text.replacingNewlines()
        return SlackMessage(text: Mrkdwn.clamp(flatText, to: SlackLimits.text), blocks: blocks)
    }

    private static func clampedBlock(_ block: JSONValue) -> JSONValue {
        guard case .object(var object) = block else { return block }
        let type = object["type"]?.stringValue
        if case .object(var text)? = object["text"], let value = text["text"]?.stringValue {
            let limit = type == "header" ? SlackLimits.headerText : SlackLimits.sectionText
            if Mrkdwn.length(value) > limit {
                text["text"] = .string(Mrkdwn.clamp(value, to: limit))
                object["text"] = .object(text)
            }
        }
        if let fields = object["fields"]?.arrayValue {
            object["fields"] = .array(
                fields.prefix(SlackLimits.sectionFields).map { clampedElement($0, SlackLimits.fieldText) })
        }
        if let elements = object["elements"]?.arrayValue {
            object["elements"] = .array(
                elements.prefix(SlackLimits.contextElements).map { clampedElement($0, SlackLimits.sectionText) })
        }
        return .object(object)
    }

    private static func clampedElement(_ element: JSONValue, _ limit: Int) -> JSONValue {
        guard case .object(var object) = element, let value = object["text"]?.stringValue,
            Mrkdwn.length(value) > limit
        else { return element }
        object["text"] = .string(Mrkdwn.clamp(value, to: limit))
        return .object(object)
    }
}

extension String {
    /// The text on one line: line breaks and tabs become spaces.
    func replacingNewlines() -> String {
        guard contains(where: { $0.isNewline || $0 == "\t" }) else { return self }
        return String(map { $0.isNewline || $0 == "\t" ? " " : $0 })
    }
}
