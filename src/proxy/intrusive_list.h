// Minimal intrusive doubly-linked list: O(1) unlink without allocation. Used for the connections a
// worker must visit on timeouts and shutdown.
#pragma once

namespace pier::proxy {

template <typename T>
struct ListHook {
  T* prev = nullptr;
  T* next = nullptr;
  bool linked = false;
};

// T must have a public member `ListHook<T> hook`.
template <typename T>
class IntrusiveList {
 public:
  void pushBack(T* item) {
    item->hook.prev = tail_;
    item->hook.next = nullptr;
    item->hook.linked = true;
    if (tail_ != nullptr) {
      tail_->hook.next = item;
    } else {
      head_ = item;
    }
    tail_ = item;
    ++size_;
  }
  void remove(T* item) {
    if (!item->hook.linked) {
      return;
    }
    if (item->hook.prev != nullptr) {
      item->hook.prev->hook.next = item->hook.next;
    } else {
      head_ = item->hook.next;
    }
    if (item->hook.next != nullptr) {
      item->hook.next->hook.prev = item->hook.prev;
    } else {
      tail_ = item->hook.prev;
    }
    item->hook = ListHook<T>{};
    --size_;
  }
  // Visits every item; `fn` may remove the current item (and only that one).
  template <typename Fn>
  void forEachSafe(Fn&& fn) {
    T* cur = head_;
    while (cur != nullptr) {
      T* next = cur->hook.next;
      fn(cur);
      cur = next;
    }
  }
  T* front() const { return head_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  T* head_ = nullptr;
  T* tail_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace pier::proxy
