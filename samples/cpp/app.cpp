// A small freestanding C++ app: classes, virtual dispatch, templates,
// new/delete on the runtime's heap and a global constructor.
// No exceptions, no RTTI, no standard library beyond the app SDK's C headers.
#include <stdio.h>
#include <string.h>

class Shape {
public:
    explicit Shape(const char *name) : name_(name) {}
    virtual ~Shape() {}
    virtual int area() const = 0;
    const char *name() const { return name_; }

private:
    const char *name_;
};

class Rect : public Shape {
public:
    Rect(int w, int h) : Shape("rect"), w_(w), h_(h) {}
    int area() const override { return w_ * h_; }

private:
    int w_, h_;
};

class Square : public Rect {
public:
    explicit Square(int s) : Rect(s, s) {}
};

class Triangle : public Shape {
public:
    Triangle(int b, int h) : Shape("triangle"), b_(b), h_(h) {}
    int area() const override { return b_ * h_ / 2; }

private:
    int b_, h_;
};

// A fixed-capacity vector: templates without the standard library.
template <typename T, int N>
class StaticVec {
public:
    StaticVec() : n_(0) {}
    bool push(const T &v)
    {
        if (n_ == N)
            return false;
        items_[n_++] = v;
        return true;
    }
    int size() const { return n_; }
    T &operator[](int i) { return items_[i]; }
    const T &operator[](int i) const { return items_[i]; }

    template <typename F>
    void sort(F less)
    {
        for (int i = 1; i < n_; i++)
            for (int j = i; j > 0 && less(items_[j], items_[j - 1]); j--) {
                T t = items_[j];
                items_[j] = items_[j - 1];
                items_[j - 1] = t;
            }
    }

private:
    T items_[N];
    int n_;
};

template <typename T>
T max_of(const T &a, const T &b) { return a < b ? b : a; }

template <typename T>
T sum(const T *p, int n)
{
    T s = T();
    for (int i = 0; i < n; i++)
        s += p[i];
    return s;
}

// Runs before main through __wasm_call_ctors.
struct Banner {
    char text[32];
    Banner() { strcpy(text, "C++ on wamr-mpy"); }
};
static Banner banner;

int main()
{
    printf("%s\n", banner.text);

    StaticVec<Shape *, 8> shapes;
    shapes.push(new Rect(3, 4));
    shapes.push(new Square(5));
    shapes.push(new Triangle(6, 7));
    shapes.push(new Rect(1, 9));

    shapes.sort([](Shape *a, Shape *b) { return a->area() < b->area(); });
    int total = 0;
    for (int i = 0; i < shapes.size(); i++) {
        printf("%-8s area %3d\n", shapes[i]->name(), shapes[i]->area());
        total += shapes[i]->area();
    }
    printf("total area %d\n", total);

    int ints[] = {4, 8, 15, 16, 23, 42};
    double reals[] = {0.5, 0.25, 2.0};
    printf("sum<int> = %d, sum<double> = %.2f\n", sum(ints, 6), sum(reals, 3));
    printf("max_of = %d, %c\n", max_of(7, 3), max_of('a', 'z'));

    int *squares = new int[5];
    for (int i = 0; i < 5; i++)
        squares[i] = i * i;
    printf("squares: %d %d %d %d %d\n", squares[0], squares[1], squares[2],
           squares[3], squares[4]);
    delete[] squares;

    for (int i = 0; i < shapes.size(); i++)
        delete shapes[i];
    printf("done\n");
    return 0;
}
