import Yams

extension Node {
    /// The node's resolved tag (`int`, `bool`, `str`...), which says what a plain scalar
    /// was written as. (Yams keeps `Tag.name` internal; its description is the name.)
    var tagName: Tag.Name {
        Tag.Name(rawValue: tag.description)
    }
}
