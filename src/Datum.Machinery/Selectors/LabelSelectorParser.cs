namespace Datum.Machinery.Selectors;

/// <summary>
/// Recursive-descent parser for the label selector string grammar of Kubernetes
/// (k8s.io/apimachinery/pkg/labels), producing validated requirements.
/// </summary>
internal sealed class LabelSelectorParser
{
    private enum TokenKind
    {
        EndOfString,
        Identifier,
        Not,
        Equals,
        DoubleEquals,
        NotEquals,
        In,
        NotIn,
        OpenParen,
        CloseParen,
        Comma,
        GreaterThan,
        LessThan,
    }

    private readonly record struct Token(TokenKind Kind, string Text);

    private readonly List<Token> _tokens;
    private int _position;

    private LabelSelectorParser(List<Token> tokens) => _tokens = tokens;

    public static List<LabelRequirement> Parse(string text)
    {
        var parser = new LabelSelectorParser(Lex(text));
        return parser.ParseAll();
    }

    private static List<Token> Lex(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }
            switch (c)
            {
                case '!' when i + 1 < text.Length && text[i + 1] == '=':
                    tokens.Add(new Token(TokenKind.NotEquals, "!="));
                    i += 2;
                    continue;
                case '!':
                    tokens.Add(new Token(TokenKind.Not, "!"));
                    i++;
                    continue;
                case '=' when i + 1 < text.Length && text[i + 1] == '=':
                    tokens.Add(new Token(TokenKind.DoubleEquals, "=="));
                    i += 2;
                    continue;
                case '=':
                    tokens.Add(new Token(TokenKind.Equals, "="));
                    i++;
                    continue;
                case '(':
                    tokens.Add(new Token(TokenKind.OpenParen, "("));
                    i++;
                    continue;
                case ')':
                    tokens.Add(new Token(TokenKind.CloseParen, ")"));
                    i++;
                    continue;
                case ',':
                    tokens.Add(new Token(TokenKind.Comma, ","));
                    i++;
                    continue;
                case '>':
                    tokens.Add(new Token(TokenKind.GreaterThan, ">"));
                    i++;
                    continue;
                case '<':
                    tokens.Add(new Token(TokenKind.LessThan, "<"));
                    i++;
                    continue;
            }

            var start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]) && !IsSpecial(text[i]))
            {
                i++;
            }
            var word = text[start..i];
            var kind = word switch
            {
                "in" => TokenKind.In,
                "notin" => TokenKind.NotIn,
                _ => TokenKind.Identifier,
            };
            tokens.Add(new Token(kind, word));
        }
        return tokens;
    }

    private static bool IsSpecial(char c) => c is '!' or '=' or '(' or ')' or ',' or '>' or '<';

    private Token Peek() => _position < _tokens.Count ? _tokens[_position] : new Token(TokenKind.EndOfString, string.Empty);

    private Token Next()
    {
        var token = Peek();
        if (_position < _tokens.Count)
        {
            _position++;
        }
        return token;
    }

    private static SelectorParseException Error(Token found, string expected) =>
        new($"unable to parse requirement: found '{found.Text}', expected: {expected}");

    private List<LabelRequirement> ParseAll()
    {
        var requirements = new List<LabelRequirement>();
        while (true)
        {
            var token = Peek();
            switch (token.Kind)
            {
                case TokenKind.EndOfString:
                    return requirements;
                case TokenKind.Identifier:
                case TokenKind.Not:
                    requirements.Add(ParseRequirement());
                    var after = Next();
                    if (after.Kind == TokenKind.EndOfString)
                    {
                        return requirements;
                    }
                    if (after.Kind != TokenKind.Comma)
                    {
                        throw Error(after, "',' or 'end of string'");
                    }
                    var following = Peek();
                    if (following.Kind is not (TokenKind.Identifier or TokenKind.Not))
                    {
                        throw Error(following, "identifier after ','");
                    }
                    break;
                default:
                    throw Error(token, "!, identifier, or 'end of string'");
            }
        }
    }

    private LabelRequirement ParseRequirement()
    {
        var first = Next();
        if (first.Kind == TokenKind.Not)
        {
            var keyToken = Next();
            if (keyToken.Kind != TokenKind.Identifier)
            {
                throw Error(keyToken, "identifier");
            }
            return Build(keyToken.Text, LabelOperator.DoesNotExist, []);
        }

        var key = first.Text;
        var lookahead = Peek();
        if (lookahead.Kind is TokenKind.EndOfString or TokenKind.Comma)
        {
            return Build(key, LabelOperator.Exists, []);
        }

        var op = Next();
        switch (op.Kind)
        {
            case TokenKind.In:
                return Build(key, LabelOperator.In, ParseValueSet());
            case TokenKind.NotIn:
                return Build(key, LabelOperator.NotIn, ParseValueSet());
            case TokenKind.Equals:
            case TokenKind.DoubleEquals:
                return Build(key, LabelOperator.Equals, [ParseExactValue()]);
            case TokenKind.NotEquals:
                return Build(key, LabelOperator.NotEquals, [ParseExactValue()]);
            case TokenKind.GreaterThan:
                return Build(key, LabelOperator.GreaterThan, [ParseExactValue()]);
            case TokenKind.LessThan:
                return Build(key, LabelOperator.LessThan, [ParseExactValue()]);
            default:
                throw Error(op, "[!= < = == > in notin]");
        }
    }

    private static LabelRequirement Build(string key, LabelOperator op, IReadOnlyList<string> values)
    {
        try
        {
            return LabelRequirement.Create(key, op, values);
        }
        catch (SelectorParseException e)
        {
            throw new SelectorParseException("unable to parse requirement: " + e.Message);
        }
    }

    private string ParseExactValue()
    {
        var token = Peek();
        if (token.Kind is TokenKind.EndOfString or TokenKind.Comma)
        {
            // "k=" selects labels whose value is the empty string.
            return string.Empty;
        }
        Next();
        if (token.Kind != TokenKind.Identifier)
        {
            throw Error(token, "identifier");
        }
        return token.Text;
    }

    private List<string> ParseValueSet()
    {
        var open = Next();
        if (open.Kind != TokenKind.OpenParen)
        {
            throw Error(open, "'('");
        }

        // Kubernetes treats an empty slot between separators as the empty-string value, and the
        // result is a set, so duplicates collapse.
        var values = new List<string>();
        var current = string.Empty;
        while (true)
        {
            var token = Next();
            switch (token.Kind)
            {
                case TokenKind.Identifier:
                case TokenKind.In:
                case TokenKind.NotIn:
                    if (current.Length > 0)
                    {
                        throw Error(token, "',' or ')'");
                    }
                    current = token.Text;
                    break;
                case TokenKind.Comma:
                    AddDistinct(values, current);
                    current = string.Empty;
                    break;
                case TokenKind.CloseParen:
                    AddDistinct(values, current);
                    return values;
                default:
                    throw Error(token, "',', ')' or identifier");
            }
        }
    }

    private static void AddDistinct(List<string> values, string value)
    {
        if (!values.Contains(value, StringComparer.Ordinal))
        {
            values.Add(value);
        }
    }
}
