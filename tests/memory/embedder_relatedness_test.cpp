// The builtin embedder against the default MEMORY_SIMILARITY_THRESHOLD on a labelled set of
// (stored fact, later message) pairs written for this test: related pairs must score at or
// above the threshold, unrelated pairs and small talk below it. Precision and recall are printed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "memory/builtin_embedder.hpp"

namespace companion::memory {
namespace {

struct Pair {
    std::string fact;     // told once, stored as a memory
    std::string message;  // said later
};

// Related: the message is about the fact. The last three share no word with their fact (only
// a semantic model can relate them); they are counted, honestly, as what a lexical embedder
// misses.
const std::vector<Pair> kRelated = {
    {"I'm training for the Berlin marathon in September",
     "How should I plan my long runs for the marathon?"},
    {"My sister Anna lives in Toronto", "I'm flying to Toronto to visit my sister next month"},
    {"I have a golden retriever named Max", "Max the dog has been sick since yesterday"},
    {"I work as a nurse in the night shift at the hospital",
     "The night shifts at the hospital are exhausting me"},
    {"I'm allergic to peanuts", "Can you suggest a snack without peanuts? I have an allergy"},
    {"I started learning Spanish last month", "Can we practice some Spanish vocabulary?"},
    {"My favourite band is Radiohead", "Radiohead just announced a new tour"},
    {"I've been struggling with insomnia lately",
     "I couldn't sleep again last night, the insomnia is back"},
    {"My daughter Emma starts school in August", "Emma was nervous about her first school day"},
    {"I'm vegetarian and I don't eat fish", "Any vegetarian dinner ideas for tonight?"},
    {"I play guitar in a small jazz band",
     "Our jazz band has a gig on Friday, I need to practise guitar"},
    {"I'm saving money to buy a house", "How much should I save each month for the house deposit?"},
    {"My grandmother passed away in March", "I miss my grandmother so much"},
    {"I love hiking in the Alps", "We are planning a hiking trip in the mountains"},
    {"I'm learning to code in Python", "My Python script keeps crashing"},
    {"I have an exam in organic chemistry on Monday", "I'm so nervous about the chemistry exam"},
    {"I drink way too much coffee", "Should I cut down on coffee?"},
    {"My cat Luna is afraid of the vacuum cleaner", "Luna hid under the bed all day"},
    {"I'm recovering from a knee injury", "My knee still hurts when I climb stairs"},
    {"I moved to Lisbon for a new job", "What are the best neighbourhoods in Lisbon?"},
    {"I want to run a marathon by June", "Any marathon training tips for a beginner?"},
    {"I'm reading The Lord of the Rings again",
     "Who is your favourite character in the Lord of the Rings?"},
    {"My brother is getting divorced", "My brother's divorce is hard on the whole family"},
    {"I get anxious before job interviews", "I have an interview tomorrow and I'm anxious"},
    {"I've been meditating every morning", "Meditation helps me stay calm"},
    {"My son plays football on Saturdays", "Football practice got cancelled because of the rain"},
    {"I'm diabetic and have to watch my sugar", "Is this dessert too much sugar for me?"},
    {"I volunteer at the animal shelter", "We rescued three kittens at the shelter today"},
    {"My mum is having surgery next week", "I'm worried about my mum's surgery"},
    {"I bake sourdough bread every weekend", "My sourdough starter died"},
    {"I'm trying to quit smoking", "Day five without smoking, it's hard"},
    {"I broke up with my girlfriend last month", "I still think about my ex-girlfriend every day"},
    {"I teach maths at a secondary school", "My students did great in their maths test"},
    {"I'm planning a trip to Japan in spring", "Which cities should I visit in Japan?"},
    {"I have two kids, Leo and Mia", "Leo lost his first tooth"},
    {"My car broke down on the motorway", "The mechanic says the car needs a new engine"},
    {"I'm learning to play the piano", "Piano lessons are going well"},
    {"I suffer from migraines", "Another migraine today, the light hurts"},
    {"I'm a big fan of Formula 1", "Did you watch the Formula 1 race?"},
    {"I grow tomatoes on my balcony", "My balcony tomatoes are finally ripe"},
    {"My partner and I are getting married next June",
     "The wedding preparations are stressing me out"},
    {"I'm terrified of flying", "I have a long flight to Tokyo next week and I'm scared"},
    {"I have a golden retriever", "My dog keeps barking at night"},
};
constexpr std::size_t kWithoutSharedWords = 3;

// Unrelated: fact and message on different subjects.
const std::vector<Pair> kUnrelated = {
    {"I'm training for the Berlin marathon in September", "My Python script keeps crashing"},
    {"I'm training for the Berlin marathon in September", "I miss my grandmother so much"},
    {"My sister Anna lives in Toronto", "Should I cut down on coffee?"},
    {"My sister Anna lives in Toronto", "Is this dessert too much sugar for me?"},
    {"I have a golden retriever named Max", "The mechanic says the car needs a new engine"},
    {"I work as a nurse in the night shift at the hospital",
     "Which cities should I visit in Japan?"},
    {"I'm allergic to peanuts", "Radiohead just announced a new tour"},
    {"I started learning Spanish last month", "My knee still hurts when I climb stairs"},
    {"My favourite band is Radiohead", "My sourdough starter died"},
    {"I've been struggling with insomnia lately", "Leo lost his first tooth"},
    {"My daughter Emma starts school in August", "Any vegetarian dinner ideas for tonight?"},
    {"I'm vegetarian and I don't eat fish", "Football practice got cancelled because of the rain"},
    {"I play guitar in a small jazz band", "I'm worried about my mum's surgery"},
    {"I'm saving money to buy a house", "Luna hid under the bed all day"},
    {"My grandmother passed away in March", "Did you watch the Formula 1 race?"},
    {"I love hiking in the Alps", "I'm so nervous about the chemistry exam"},
    {"I'm learning to code in Python", "Another migraine today, the light hurts"},
    {"I have an exam in organic chemistry on Monday", "My balcony tomatoes are finally ripe"},
    {"I drink way too much coffee", "What are the best neighbourhoods in Lisbon?"},
    {"My cat Luna is afraid of the vacuum cleaner",
     "How should I plan my long runs for the marathon?"},
    {"I'm recovering from a knee injury", "Can we practice some Spanish vocabulary?"},
    {"I moved to Lisbon for a new job", "Meditation helps me stay calm"},
    {"I want to run a marathon by June", "I'm flying to Toronto to visit my sister next month"},
    {"I'm reading The Lord of the Rings again", "Day five without smoking, it's hard"},
    {"My brother is getting divorced", "We rescued three kittens at the shelter today"},
    {"I get anxious before job interviews", "My sourdough starter died"},
    {"I've been meditating every morning", "Max the dog has been sick since yesterday"},
    {"My son plays football on Saturdays",
     "Can you suggest a snack without peanuts? I have an allergy"},
    {"I'm diabetic and have to watch my sugar",
     "Our jazz band has a gig on Friday, I need to practise guitar"},
    {"I volunteer at the animal shelter", "The night shifts at the hospital are exhausting me"},
    {"My mum is having surgery next week", "Piano lessons are going well"},
    {"I bake sourdough bread every weekend",
     "I couldn't sleep again last night, the insomnia is back"},
    {"I'm trying to quit smoking", "Who is your favourite character in the Lord of the Rings?"},
    {"I broke up with my girlfriend last month", "My students did great in their maths test"},
    {"I teach maths at a secondary school", "My dog keeps barking at night"},
    {"I'm planning a trip to Japan in spring", "My brother's divorce is hard on the whole family"},
    {"I have two kids, Leo and Mia", "How much should I save each month for the house deposit?"},
    {"My car broke down on the motorway", "I still think about my ex-girlfriend every day"},
    {"I'm learning to play the piano", "I have an interview tomorrow and I'm anxious"},
    {"I suffer from migraines", "We are planning a hiking trip in the mountains"},
    {"I'm a big fan of Formula 1", "Emma was nervous about her first school day"},
    {"I grow tomatoes on my balcony", "The wedding preparations are stressing me out"},
    {"My partner and I are getting married next June", "My Python script keeps crashing"},
    {"I'm terrified of flying", "I'm so nervous about the chemistry exam"},
    {"I have a golden retriever", "Any marathon training tips for a beginner?"},
};

// Small talk: recalls nothing from any of the stored facts.
const std::vector<std::string> kSmallTalk = {
    "What a nice day, hello!",
    "How are you today?",
    "Thanks, that was helpful!",
    "Good morning!",
    "lol ok",
    "Hi there, how's it going?",
    "I'm fine, thank you. And you?",
    "That's great to hear!",
    "Tell me a joke",
    "What's up?",
    "Good night, talk tomorrow",
    "Haha that's funny",
    "Okay, see you later",
    "What time is it?",
    "Can you help me with something?",
    "Hey! Long time no see",
    "Sounds good to me",
    "I don't know, maybe",
};

double threshold() {
    return config::load_settings({}, {}).memory_similarity_threshold;
}

class Relatedness : public ::testing::Test {
  protected:
    double score(const std::string& a, const std::string& b) const {
        const auto x = embedder_.embed_text(a);
        const auto y = embedder_.embed_text(b);
        double dot = 0;
        for (std::size_t i = 0; i < x.size(); ++i) dot += double(x[i]) * double(y[i]);
        return dot;
    }
    BuiltinEmbedder embedder_{384};
};

TEST_F(Relatedness, TheDefaultThresholdIsTheBuiltinEmbeddersCalibration) {
    EXPECT_DOUBLE_EQ(threshold(), config::kBuiltinSimilarityThreshold);
}

TEST_F(Relatedness, AMarathonFactIsRecalledWhenAskedAboutLongRunsForTheMarathon) {
    EXPECT_GE(score("I'm training for the Berlin marathon in September",
                    "How should I plan my long runs for the marathon?"),
              threshold());
}

TEST_F(Relatedness, SmallTalkRecallsNothingFromTheStoredFacts) {
    for (const auto& message : kSmallTalk) {
        for (const auto& pair : kRelated) {
            EXPECT_LT(score(pair.fact, message), threshold())
                << '"' << message << "\" recalls \"" << pair.fact << '"';
        }
    }
}

TEST_F(Relatedness, RelatedAndUnrelatedPairsAreSeparatedAtTheThreshold) {
    ASSERT_GE(kRelated.size() + kUnrelated.size(), 80u);
    const double t = threshold();
    std::size_t true_positives = 0;
    std::size_t lexical_hits = 0;
    double related_sum = 0;
    for (std::size_t i = 0; i < kRelated.size(); ++i) {
        const double s = score(kRelated[i].fact, kRelated[i].message);
        related_sum += s;
        if (s >= t) {
            ++true_positives;
            if (i < kRelated.size() - kWithoutSharedWords) ++lexical_hits;
        } else {
            std::printf("  missed (%.3f): \"%s\" / \"%s\"\n", s, kRelated[i].fact.c_str(),
                        kRelated[i].message.c_str());
        }
    }
    std::size_t false_positives = 0;
    double unrelated_sum = 0;
    double unrelated_max = -1;
    for (const auto& pair : kUnrelated) {
        const double s = score(pair.fact, pair.message);
        unrelated_sum += s;
        unrelated_max = std::max(unrelated_max, s);
        if (s >= t) {
            ++false_positives;
            ADD_FAILURE() << "unrelated pair scores " << s << ": \"" << pair.fact << "\" / \""
                          << pair.message << '"';
        }
    }
    const double precision =
        double(true_positives) / double(std::max<std::size_t>(1, true_positives + false_positives));
    const double recall = double(true_positives) / double(kRelated.size());
    const double lexical_recall =
        double(lexical_hits) / double(kRelated.size() - kWithoutSharedWords);
    std::printf(
        "builtin embedder at threshold %.2f: precision %.3f, recall %.3f (%zu/%zu; %zu/%zu of "
        "the pairs that share a word), mean related %.3f, mean unrelated %.3f, max unrelated "
        "%.3f\n",
        t, precision, recall, true_positives, kRelated.size(), lexical_hits,
        kRelated.size() - kWithoutSharedWords, related_sum / double(kRelated.size()),
        unrelated_sum / double(kUnrelated.size()), unrelated_max);
    RecordProperty("precision", std::to_string(precision));
    RecordProperty("recall", std::to_string(recall));
    EXPECT_EQ(false_positives, 0u);
    EXPECT_GE(lexical_recall, 0.9);
    EXPECT_GE(recall, 0.85);
    EXPECT_GT(related_sum / double(kRelated.size()),
              unrelated_sum / double(kUnrelated.size()) + 0.2);
}

}  // namespace
}  // namespace companion::memory
