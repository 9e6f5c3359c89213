// The built-in common-password lists. Written for this project from the patterns that top the
// published leak statistics (digit runs, keyboard walks, "password"/"iloveyou"/"welcome" with
// digits or years, sports teams, names): lower case, sorted for binary search.
#include "auth/password_policy.hpp"

namespace companion::auth {
namespace {

// clang-format off
// Passwords of 12 or more characters; none is a single character or a 2-4 character pattern
// repeated (other rules catch those).
constexpr std::string_view kCommonPasswords[] = {
    "!@#$%^&*()_+", "!qaz2wsx#edc4rfv", "!qaz@wsx#edc", "098765432109", "0987654321qwerty",
    "111222333444", "112233445566", "123321123321", "1234512345qwert", "123456123456",
    "123456654321", "1234567890!@", "1234567890-=", "123456789012", "1234567890123",
    "12345678901234", "123456789012345", "1234567890abc", "1234567890qaz", "1234567890qwerty",
    "123456789123", "123456789abc", "123456789qwe", "12345qwert12345", "1234qwerasdf",
    "1234qwerasdfzxcv", "123654789123", "123qweasdzxc", "147258369147", "147852369147",
    "159357159357", "1q2w3e4r5t6y", "1q2w3e4r5t6y7u", "1q2w3e4r5t6y7u8i", "1qaz!qaz1qaz",
    "1qaz2wsx!qaz@wsx", "1qaz2wsx3edc", "1qaz2wsx3edc4rfv", "1qaz@wsx3edc", "1qazxsw23edc",
    "987654321012", "987654321098", "a1b2c3d4e5f6", "abc123abc123", "abcd12345678", "abcd1234abcd",
    "abcdefghijkl", "abcdefghijklm", "abcdefghijklmnop", "abcdefghijklmnopqrstuvwxyz",
    "admin1234567", "admin123456789", "admin@123456", "adminadmin12", "adminadminadmin",
    "administrator", "administrator1", "administrator123", "arsenal12345", "asdfghjkl123",
    "asdfghjkl1234", "asdfghjklqwe", "asdfghjklzxcvbnm", "asdfqwerzxcv", "azertyuiop12",
    "azertyuiopqsdf", "babygirl1234", "barcelona123", "baseball1234", "basketball12",
    "basketball123", "batman123456", "blessed12345", "butterfly123", "changeme1234",
    "changeme123456", "changemechangeme", "changemenow123", "charlie12345", "chelsea12345",
    "chocolate123", "cocacola1234", "computer1234", "correcthorsebatterystaple", "default12345",
    "defaultpassword", "dragon123456", "football1234", "football12345", "fortnite1234",
    "godisgood123", "godisgreat123", "goodmorning1", "happybirthday", "happybirthday1",
    "hello1234567", "hellohello12", "helloworld12", "helloworld123", "iamthebest123",
    "ilovejesus123", "ilovemyboyfriend", "ilovemydaughter", "ilovemyfamily", "ilovemygirlfriend",
    "ilovemyhusband", "ilovemymother", "iloveyou1234", "iloveyou12345", "iloveyou123456",
    "iloveyoubaby", "iloveyouforever", "iloveyouiloveyou", "iloveyoujesus", "iloveyoumore",
    "iloveyousomuch", "iloveyoutoo123", "internet1234", "jennifer1234", "jessica12345",
    "jesuschrist1", "jesusismylord", "jesuslovesme", "juventus1234", "letmein1234!", "letmein12345",
    "letmein123456", "letmeinletmein", "letmeinplease", "liverpool123", "liverpool1234",
    "lovelovelove1", "loveyouforever", "manchester12", "manchesterunited", "master123456",
    "michael12345", "michelle1234", "minecraft123", "minecraft1234", "monkey123456", "mustang12345",
    "mynameis1234", "mypassword123", "mypassword1234", "mysecretpassword", "nevergiveup123",
    "newpassword123", "newpassword1234", "p@ssw0rd123!", "p@ssw0rd1234", "p@ssword1234",
    "pa$$w0rd1234", "pa$$word1234", "passw0rd123!", "passw0rd1234", "password!123", "password#123",
    "password123!", "password123!!", "password1234", "password12345", "password123456",
    "password1234567", "password12345678", "password1password1", "password2020", "password2021",
    "password2022", "password2023", "password2024", "password2025", "password@123", "password@1234",
    "passwordpassword", "passwordpassword1", "playstation1", "playstation2", "playstation3",
    "playstation4", "playstation5", "pokemon12345", "princess1234", "princess12345", "q1w2e3r4t5y6",
    "q1w2e3r4t5y6u7", "qazwsxedcrfv", "qazwsxedcrfvtgb", "qazwsxedcrfvtgbyhn", "qweasdzxc123",
    "qwer1234asdf", "qwerty123456", "qwerty123456!", "qwerty1234567", "qwerty12345678",
    "qwertyqwerty", "qwertyqwerty1", "qwertyuiop12", "qwertyuiop123", "qwertyuiop1234",
    "qwertyuiop[]", "qwertyuiopas", "qwertyuiopasdf", "qwertyuiopasdfgh", "qwertyuiopasdfghjkl",
    "qwertyuiopasdfghjklzxcvbnm", "qwertzuiopasdf", "rainbow12345", "realmadrid12", "root12345678",
    "rootpassword", "secretpassword", "securepassword", "shadow123456", "soccer123456",
    "spiderman123", "starwars1234", "starwars12345", "strongpassword", "sunshine1234",
    "sunshine12345", "superman1234", "superman12345", "supersecret123", "supersecretpassword",
    "temporarypassword", "temppassword", "thequickbrownfox", "thequickbrownfoxjumpsoverthelazydog",
    "thisisapassword", "thisismypassword", "thisisnotapassword", "trustno1trustno1",
    "trustnoone123", "verysecurepassword", "welcome12345", "welcome123456", "welcome2024!",
    "welcome@1234", "welcome@12345", "welcomewelcome", "whatever1234", "zaq12wsxcde3",
    "zaq1xsw2cde3", "zxcvbnm12345", "zxcvbnm123456", "zxcvbnmasdfg", "zxcvbnmasdfghjkl"
};

// Short classics: a password that only repeats one of them ("qwertyqwerty") is common.
constexpr std::string_view kStems[] = {
    "0987654321", "112233", "123456", "1234567", "12345678", "123456789", "1234567890", "1qaz2wsx",
    "654321", "987654321", "abc123", "abcdef", "access", "admin", "asdfgh", "asdfghjkl", "ashley",
    "azerty", "bailey", "baseball", "batman", "buster", "changeme", "charlie", "donald", "dragon",
    "flower", "football", "freedom", "guest", "harley", "hello", "hockey", "hunter", "iloveu",
    "iloveyou", "jessica", "jordan", "killer", "letmein", "login", "lovely", "master", "michael",
    "monkey", "mustang", "ninja", "p@ssw0rd", "p@ssword", "pa$$word", "passer", "passw0rd",
    "password", "password1", "pepper", "princess", "qazwsx", "qwerty", "qwerty123", "qwertyuiop",
    "ranger", "robert", "secret", "secret123", "shadow", "soccer", "starwars", "summer", "sunshine",
    "superman", "thomas", "tigger", "trustno1", "welcome", "whatever", "zxcvbnm"
};
// clang-format on

}  // namespace

std::span<const std::string_view> common_passwords() {
    return kCommonPasswords;
}

std::span<const std::string_view> common_password_stems() {
    return kStems;
}

}  // namespace companion::auth
